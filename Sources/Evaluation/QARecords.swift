import Formats
import Foundation

/// The outcome for one question in one mode: a line of `<mode>.jsonl`.
public struct QAItemResult: Codable, Equatable, Sendable {
    public var id: String
    public var question: String
    public var answers: [String]
    /// The spoken question, relative to the evaluation folder or absolute (the set's recording).
    public var questionAudio: String?
    /// What was heard in the spoken question: the recogniser's transcript (cascade), the speech
    /// model's own CTC transcript (s2t, s2s).
    public var questionTranscript: String?
    /// The text answer.
    public var response: String
    /// The spoken answer's WAV, relative to the evaluation folder (s2s).
    public var answerAudio: String?
    /// What the recogniser heard in the spoken answer (s2s); this is what is scored.
    public var answerTranscript: String?
    /// The word error rate of that transcript against the model's own text answer (s2s).
    public var answerWordErrorRate: Double?
    public var match: Bool
    /// The gold answer found in the scored text.
    public var matchedAnswer: String?
    /// New tokens the text LLM generated (t2t, cascade).
    public var tokens: Int?
    /// Seconds spent on this question, by stage.
    public var timings: [String: Double]

    enum CodingKeys: String, CodingKey {
        case id, question, answers, response, match, tokens, timings
        case questionAudio = "question_audio", questionTranscript = "question_transcript"
        case answerAudio = "answer_wav", answerTranscript = "answer_transcript", matchedAnswer = "matched_answer"
        case answerWordErrorRate = "answer_wer"
    }

    /// The result without its timings (what must be the same however the evaluation was run).
    public var withoutTimings: QAItemResult { var copy = self; copy.timings = [:]; return copy }
}

/// What one mode's evaluation in a folder was run with; a resumed evaluation must agree with it.
public struct QAModeConfig: Codable, Equatable, Sendable {
    public var mode: QAMode
    /// The question set and how many of its questions (nil: all).
    public var set: String
    public var limit: Int?
    /// What answers: the text LLM (t2t, cascade) or the run's speech model (s2t, s2s).
    public var answerer: String
    public var systemPrompt: String?
    public var maxTokens: Int?
    /// The voice that speaks questions without a recording (modes that hear the question).
    public var voice: String?
    /// The recogniser of the question (cascade) or of the answer (s2s).
    public var recogniser: String?

    enum CodingKeys: String, CodingKey {
        case mode, set, limit, answerer, voice, recogniser
        case systemPrompt = "system_prompt", maxTokens = "max_tokens"
    }
}

/// A mode's state besides its items: its configuration and the time spent so far.
public struct QAModeState: Codable, Equatable, Sendable {
    public var config: QAModeConfig
    /// Seconds spent answering, summed over every session that worked on it.
    public var seconds: Double
    /// Questions decoded together, in the last session.
    public var batch: Int?
    public var complete: Bool
}

/// The files of one mode in an evaluation folder: `<mode>.jsonl` (one result a line, appended as
/// each is complete, so a killed evaluation keeps every finished question) and `<mode>.json` (its state).
public struct QAModeFiles {
    public let folder: URL
    public let mode: QAMode
    public init(folder: URL, mode: QAMode) { self.folder = folder; self.mode = mode }

    public var items: URL { folder.appendingPathComponent("\(mode.rawValue).jsonl") }
    public var state: URL { folder.appendingPathComponent("\(mode.rawValue).json") }

    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// The state, or nil when the mode was never run here.
    public func readState() throws -> QAModeState? {
        guard let data = FileManager.default.contents(atPath: state.path) else { return nil }
        do { return try JSONDecoder().decode(QAModeState.self, from: data) } catch {
            throw EvaluationError("\(state.path) is damaged (\(error)); delete it and \(items.lastPathComponent) to start this mode again")
        }
    }

    public func writeState(_ value: QAModeState) throws {
        let e = QAModeFiles.encoder()
        e.outputFormatting.insert(.prettyPrinted)
        try AtomicFile.write(try e.encode(value), to: state)
    }

    /// The finished results, keyed by id. A line cut short by a kill, a repeated id or an id not in
    /// `known` is dropped (and the file rewritten without it), so nothing is counted twice.
    public func readItems(known: Set<String>) throws -> [String: QAItemResult] {
        guard let data = FileManager.default.contents(atPath: items.path) else { return [:] }
        var results: [String: QAItemResult] = [:], kept: [QAItemResult] = [], dropped = 0
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let r = try? decoder.decode(QAItemResult.self, from: Data(line)), known.contains(r.id), results[r.id] == nil else {
                dropped += 1
                continue
            }
            results[r.id] = r
            kept.append(r)
        }
        if dropped > 0 { try writeItems(kept) }
        return results
    }

    /// Replaces the items file with `results`, in that order (atomic).
    public func writeItems(_ results: [QAItemResult]) throws {
        let e = QAModeFiles.encoder()
        var data = Data()
        for r in results { data.append(try e.encode(r)); data.append(UInt8(ascii: "\n")) }
        try AtomicFile.write(data, to: items)
    }
}

/// Appends finished results to a mode's items file, one complete line per write.
public final class QAItemLog {
    private let handle: FileHandle
    private let encoder = QAModeFiles.encoder()

    public init(_ files: QAModeFiles) throws {
        let url = files.items
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    public func append(_ result: QAItemResult) throws {
        var line = try encoder.encode(result)
        line.append(UInt8(ascii: "\n"))
        try handle.write(contentsOf: line)
    }
}
