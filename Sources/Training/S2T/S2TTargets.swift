import Formats
import Foundation
import Models

/// The answers the S2T stage learns to give: the text LLM's own greedy answer to each question's
/// text, asked as the spoken-QA evaluation asks it (`TextAnswerer`), so the speech model learns to
/// answer as the text model does. Made once, many questions decoded together, and kept in one JSONL
/// file per LLM and answer length, shared by every recipe (a line per question text, appended as each
/// is done, so a stopped build resumes and a new recipe answers only the questions it adds).
public struct S2TTargets {
    /// One question's answer.
    public struct Target: Codable, Equatable, Sendable {
        public var id: String
        public var question: String
        public var answer: String
        /// The answer's token ids, as generated (without the end-of-turn token).
        public var tokens: [Int]
        /// Whether the answer ended with the end of the turn (else it was cut at the length limit).
        public var ended: Bool
    }

    public let file: URL

    public init(file: URL) { self.file = file }

    /// The one file of an LLM's answers of at most `answerTokens` tokens (S2T and T2C share it).
    public static func file(llm: URL, answerTokens: Int) -> URL {
        EchoXHome.corpora.appendingPathComponent("s2t-answers", isDirectory: true)
            .appendingPathComponent("\(llm.deletingPathExtension().lastPathComponent)-\(answerTokens).jsonl")
    }

    /// The targets already in the file, by question text (a damaged last line, from a kill mid-write, is dropped).
    public func read() -> [String: Target] {
        Dictionary(JSONLinesFile<Target>(file).read().map { ($0.question, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Answers every question not in the file yet and returns all targets by question text.
    public func make(questions: [CorpusText], answerer: TextAnswerer, progress: (String) -> Void = { _ in },
                     shouldStop: () -> Bool = { false }) throws -> [String: Target] {
        var targets = read()
        var seen = Set<String>()
        let missing = questions.filter { targets[$0.text] == nil && seen.insert($0.text).inserted }
        guard !missing.isEmpty else { return targets }
        // Rewrite what was read (dropping a torn line), then append.
        let log = try JSONLinesFile<Target>(file).rewrite(targets.values.sorted { $0.question < $1.question })

        let longest = missing.map { answerer.prompt($0.text).count }.max() ?? 1
        let start = Date()
        var done = 0
        let finished = try answerer.answer(count: missing.count, longest: longest, question: { missing[$0].text }, shouldStop: shouldStop) { i, result in
            let target = Target(id: missing[i].id, question: missing[i].text, answer: result.text, tokens: result.tokens,
                                ended: result.stoppedBy == .stopToken)
            try log.append(target)
            targets[target.question] = target
            done += 1
            if done % 50 == 0 || done == missing.count {
                let rate = Double(done) / max(Date().timeIntervalSince(start), 1e-3)
                progress(String(format: "answers: %d/%d questions (%.1f/s)", done, missing.count, rate))
            }
        }
        guard finished else { throw TrainingError.stopped("the text LLM's answers (\(done) of \(missing.count) new ones)") }
        return targets
    }
}
