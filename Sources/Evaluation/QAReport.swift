import Formats
import Foundation

/// One mode's figures in an evaluation folder.
public struct QAModeSummary: Codable, Equatable, Sendable {
    public var mode: QAMode
    public var answerer: String
    public var voice: String?
    public var recogniser: String?
    public var answered: Int
    public var correct: Int
    public var total: Int
    public var accuracy: Double
    public var complete: Bool
    public var seconds: Double
    public var questionsPerSecond: Double
    public var batch: Int?
    /// s2s: the mean word error rate of the spoken answers' transcripts against their own text answers.
    public var answerWordErrorRate: Double?
    /// cascade, s2t, s2s: the word error rate of what was heard in the questions against their texts
    /// (the recogniser's transcripts, or the speech model's CTC transcripts), over all their words.
    public var questionWordErrorRate: Double?

    enum CodingKeys: String, CodingKey {
        case mode, answerer, voice, recogniser, answered, correct, total, accuracy, complete, seconds, batch
        case questionsPerSecond = "questions_per_second", answerWordErrorRate = "answer_wer", questionWordErrorRate = "question_wer"
    }

    /// The figures that do not depend on how fast or in how many sessions it ran.
    public var withoutTimings: QAModeSummary {
        var copy = self; copy.seconds = 0; copy.questionsPerSecond = 0; copy.batch = nil; return copy
    }
}

/// The figures of every mode evaluated in a folder: `summary.json`.
public struct QASummary: Codable, Equatable, Sendable {
    public var set: String
    public var limit: Int?
    public var modes: [QAModeSummary]
    /// accuracy(mode) / accuracy(t2t) for cascade, s2t and s2s, keyed "cascade/t2t" and so on.
    public var retention: [String: Double]

    public func mode(_ m: QAMode) -> QAModeSummary? { modes.first { $0.mode == m } }
}

/// The report of an evaluation folder: `summary.json` and `report.md` (the chart is drawn by the shell's `eval`).
public enum QAReport {
    public static func summaryURL(_ folder: URL) -> URL { folder.appendingPathComponent("summary.json") }
    public static func tableURL(_ folder: URL) -> URL { folder.appendingPathComponent("report.md") }

    /// The figures of the modes in `folder`, from their state and items files (read only).
    public static func summary(folder: URL) throws -> QASummary {
        var modes: [QAModeSummary] = [], set = "", limit: Int?
        for mode in QAMode.allCases {
            let files = QAModeFiles(folder: folder, mode: mode)
            guard let state = try files.readState() else { continue }
            (set, limit) = (state.config.set, state.config.limit)
            var answered = 0, correct = 0, seen = Set<String>(), errorRates: [Double] = [], questionEdits = 0, questionWords = 0
            if let data = FileManager.default.contents(atPath: files.items.path) {
                let decoder = JSONDecoder()
                for line in data.split(separator: UInt8(ascii: "\n")) {
                    guard let r = try? decoder.decode(QAItemResult.self, from: Data(line)), seen.insert(r.id).inserted else { continue }
                    answered += 1
                    if r.match { correct += 1 }
                    if let wer = r.answerWordErrorRate { errorRates.append(wer) }
                    if let heard = r.questionTranscript {
                        let (edits, words) = WordErrorRate.counts(hypothesis: heard, reference: r.question)
                        (questionEdits, questionWords) = (questionEdits + edits, questionWords + words)
                    }
                }
            }
            let total = try? QASet.read(URL(fileURLWithPath: state.config.set), limit: state.config.limit).count
            modes.append(QAModeSummary(
                mode: mode, answerer: state.config.answerer, voice: state.config.voice, recogniser: state.config.recogniser,
                answered: answered, correct: correct, total: total ?? answered,
                accuracy: answered > 0 ? Double(correct) / Double(answered) : 0, complete: state.complete,
                seconds: state.seconds, questionsPerSecond: state.seconds > 0 ? Double(answered) / state.seconds : 0, batch: state.batch,
                answerWordErrorRate: errorRates.isEmpty ? nil : errorRates.reduce(0, +) / Double(errorRates.count),
                questionWordErrorRate: questionWords > 0 ? Double(questionEdits) / Double(questionWords) : nil))
        }
        guard !modes.isEmpty else { throw EvaluationError("\(folder.path) holds no evaluation — run `eval qa set=FILE.jsonl mode=t2t out=\(folder.path)`") }
        var retention: [String: Double] = [:]
        if let base = modes.first(where: { $0.mode == .t2t }), base.accuracy > 0 {
            for m in modes where m.mode != .t2t && m.answered > 0 { retention["\(m.mode.rawValue)/t2t"] = m.accuracy / base.accuracy }
        }
        return QASummary(set: set, limit: limit, modes: modes, retention: retention)
    }

    /// Writes `summary.json` and `report.md` (atomically) and returns the summary.
    @discardableResult
    public static func write(folder: URL) throws -> QASummary {
        let s = try summary(folder: folder)
        let e = QAModeFiles.encoder()
        e.outputFormatting.insert(.prettyPrinted)
        try AtomicFile.write(try e.encode(s), to: summaryURL(folder))
        try AtomicFile.write(Data(markdown(s).utf8), to: tableURL(folder))
        return s
    }

    /// A folder's `summary.json`.
    public static func read(folder: URL) throws -> QASummary {
        guard let data = FileManager.default.contents(atPath: summaryURL(folder).path) else {
            throw EvaluationError("no summary.json in \(folder.path) — give the --out folder of an `eval qa` run")
        }
        do { return try JSONDecoder().decode(QASummary.self, from: data) } catch {
            throw EvaluationError("\(summaryURL(folder).path) is not an evaluation summary (\(error)); rerun `eval qa` into that folder to rewrite it")
        }
    }

    // MARK: - Tables

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }

    /// `12.3 s`, `4m05s` or `1h02m`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        return whole < 3600 ? String(format: "%dm%02ds", whole / 60, whole % 60) : String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }

    /// What answers in a mode, with the voice and recogniser it hears through.
    static func pipeline(_ m: QAModeSummary) -> String {
        switch m.mode {
        case .t2t: return m.answerer
        case .cascade: return [m.voice, m.recogniser, m.answerer].compactMap { $0 }.joined(separator: " → ")
        case .s2t: return [m.voice, m.answerer].compactMap { $0 }.joined(separator: " → ")
        case .s2s: return [m.voice, m.answerer, m.recogniser].compactMap { $0 }.joined(separator: " → ")
        }
    }

    /// `name (first N questions)`.
    static func setTitle(_ s: QASummary) -> String {
        URL(fileURLWithPath: s.set).deletingPathExtension().lastPathComponent + (s.limit.map { ", first \($0) questions" } ?? "")
    }

    /// The table of `report.md`: one row per mode.
    public static func markdown(_ s: QASummary) -> String {
        var lines = ["# Spoken QA: \(setTitle(s))", "",
                     "Answer-exists match (UltraEval-Audio's qa-exist-match). Retention is the mode's accuracy over t2t's.", "",
                     "| mode | what answers | accuracy | right / answered | answered of the set | retention (÷ t2t) | time | questions/s |",
                     "|---|---|---:|---:|---:|---:|---:|---:|"]
        for m in s.modes {
            let retention = m.mode == .t2t ? "1" : s.retention["\(m.mode.rawValue)/t2t"].map { String(format: "%.3f", $0) } ?? "–"
            let answered = m.complete ? "\(m.answered) of \(m.total)" : "\(m.answered) of \(m.total) (unfinished)"
            lines.append("| \(m.mode.rawValue) | \(pipeline(m)) | \(percent(m.accuracy)) | \(m.correct) / \(m.answered) | \(answered) | \(retention) | \(duration(m.seconds)) | \(String(format: "%.2f", m.questionsPerSecond)) |")
        }
        let heard = s.modes.compactMap { m in m.questionWordErrorRate.map { String(format: "%@ %.1f%%", m.mode.rawValue, 100 * $0) } }
        if !heard.isEmpty {
            lines += ["", "What was heard in the spoken questions (the recogniser's transcript in cascade, the speech model's CTC transcript in s2t and s2s) has a word error rate against the question texts of: \(heard.joined(separator: ", "))."]
        }
        if let wer = s.mode(.s2s)?.answerWordErrorRate {
            lines += ["", String(format: "s2s: the spoken answers' transcripts have a word error rate of %.1f%% against the model's own text answers.", 100 * wer)]
        }
        let missing = QAMode.allCases.filter { s.mode($0) == nil }.map(\.rawValue)
        if !missing.isEmpty { lines += ["", "Not evaluated here: \(missing.joined(separator: ", "))."] }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Several evaluation folders side by side: one row per folder, accuracy per mode and retention.
    public static func comparison(_ runs: [(name: String, summary: QASummary)]) -> String {
        let modes = QAMode.allCases.filter { m in runs.contains { $0.summary.mode(m) != nil } }
        let ratios = modes.filter { $0 != .t2t }.map { "\($0.rawValue)/t2t" }
        var lines = ["# Spoken QA, side by side", "",
                     "| evaluation | set | " + modes.map { "\($0.rawValue) accuracy" }.joined(separator: " | ")
                        + (ratios.isEmpty ? "" : " | " + ratios.joined(separator: " | ")) + " |",
                     "|---|---|" + String(repeating: "---:|", count: modes.count + ratios.count)]
        for (name, s) in runs {
            let accuracies = modes.map { m in
                s.mode(m).map { "\(percent($0.accuracy)) (\($0.correct)/\($0.answered)\($0.complete ? "" : ", unfinished"))" } ?? "–"
            }
            let kept = ratios.map { s.retention[$0].map { String(format: "%.3f", $0) } ?? "–" }
            lines.append("| \(name) | \(setTitle(s)) | " + (accuracies + kept).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
