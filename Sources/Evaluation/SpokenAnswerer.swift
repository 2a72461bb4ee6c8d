import Audio
import Foundation
import Training

/// What a spoken-QA evaluation measures.
public enum QAMode: String, CaseIterable, Sendable, Codable {
    /// The text LLM answers the question text.
    case t2t
    /// A recogniser transcribes the spoken question, the text LLM answers the transcript.
    case cascade
    /// The run's speech model answers the spoken question in text.
    case s2t
    /// The run's speech model answers in speech; a recogniser transcribes the answer, which is scored.
    case s2s

    /// Whether the question is heard rather than read.
    public var hearsQuestion: Bool { self != .t2t }

    /// What the mode measures, for reports.
    public var summary: String {
        switch self {
        case .t2t: return "text LLM on the question text"
        case .cascade: return "recogniser, then the text LLM"
        case .s2t: return "speech model, answer in text"
        case .s2s: return "speech model, answer in speech"
        }
    }
}

// MARK: - Speech models

/// A speech model's answer: its text, and its speech when it was asked to speak.
public struct SpokenAnswer: Sendable {
    public var text: String
    public var audio: AudioClip?
    /// What the model heard in the question, when it can say (the S2T speech side's CTC transcript).
    public var heard: String?
    public init(text: String, audio: AudioClip? = nil, heard: String? = nil) { self.text = text; self.audio = audio; self.heard = heard }
}

/// A model that answers spoken questions: the S2T stage (speech → text) and the Echo stage
/// (speech → text and speech) implement it, and modes s2t and s2s evaluate it.
public protocol SpokenAnswerer: AnyObject {
    /// What answers, for reports (e.g. the run's name and stage).
    var name: String { get }
    /// Whether it can answer in speech (mode s2s).
    var speaks: Bool { get }
    /// Answers each question (a clip of any sample rate) in text, and also in speech when `speak`;
    /// one answer per question, in order. Decoding is greedy, so an answer does not depend on the
    /// other questions of the call.
    func answer(_ questions: [AudioClip], speak: Bool) throws -> [SpokenAnswer]
}

/// Finds the speech model of a run for modes s2t and s2s.
public enum SpokenAnswerers {
    /// The command that trains what `mode` needs.
    public static func trainingCommand(for mode: QAMode) -> String {
        mode == .s2s ? "`echox train s2t …`, then `echox train t2c …` and `echox train echo …`" : "`echox train s2t …`"
    }

    /// The speech model of `run` that answers in `mode` (s2t or s2s), or an error naming the command
    /// that trains it.
    public static func load(run: URL?, mode: QAMode) throws -> SpokenAnswerer {
        precondition(mode == .s2t || mode == .s2s, "only s2t and s2s use a speech model")
        let stage = mode == .s2s ? "an Echo stage (speech answers)" : "an S2T stage (text answers to speech)"
        guard let run else {
            throw EvaluationError("mode \(mode.rawValue) evaluates a run's speech model: give --run DIR, a run with \(stage) trained by \(trainingCommand(for: mode))")
        }
        guard FileManager.default.fileExists(atPath: run.path) else {
            throw EvaluationError("no run at \(run.path) — give the folder of a run trained by \(trainingCommand(for: mode))")
        }
        if mode == .s2t, StageRun.isRun(run, of: S2TRecipe.self) { return try S2TAnswerer(run: run) }
        if StageRun.isRun(run, of: EchoRecipe.self) { return try EchoAnswerer(run: run) }
        throw EvaluationError("the run \(run.lastPathComponent) has no \(stage): it is trained by \(trainingCommand(for: mode))")
    }
}

// MARK: - Recognisers

/// Transcribes recordings: the spoken question in mode cascade, the spoken answer in mode s2s.
public protocol SpeechRecogniser: AnyObject {
    /// Its name in reports (`whisper-tiny.en`, `pocketsphinx`).
    var name: String { get }
    /// One transcript per file, in order.
    func transcribe(_ files: [URL]) throws -> [String]
}
