import Foundation

// MARK: - Voices

/// A synthesis voice: a flite voice (`flite:slt`), an espeak-ng English variant (`espeak:en-us+f3`)
/// or a Festival voice (`festival:ked_diphone`).
public struct SpeechVoice: Hashable, Sendable, CustomStringConvertible {
    /// The program that renders the voice.
    public enum Engine: String, Sendable, CaseIterable { case flite, espeak, festival }

    public let engine: Engine
    /// flite voice name (kal, kal16, awb, rms, slt), espeak-ng voice with variant (en-us+f3) or Festival
    /// voice (ked_diphone, from the Debian package festvox-kdlpc16k).
    public let name: String

    public init(engine: Engine, name: String) {
        self.engine = engine
        self.name = name
    }

    /// Parses `flite:NAME`, `espeak:NAME`, `festival:NAME`, or a bare flite voice name (`slt`).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            guard let engine = Engine(rawValue: parts[0].lowercased()) else {
                throw SynthesisError.unknownVoice(trimmed, reason: "engine '\(parts[0])' is not one of flite, espeak, festival")
            }
            self.init(engine: engine, name: parts[1])
        } else {
            self.init(engine: .flite, name: trimmed)
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "+-_".contains($0) }) else {
            throw SynthesisError.unknownVoice(trimmed, reason: "a voice name holds letters, digits, '+', '-' or '_'")
        }
    }

    /// Parses a comma-separated list (`slt,awb,espeak:en-us+m3`).
    public static func list(_ text: String) throws -> [SpeechVoice] {
        let voices = try text.split(separator: ",").map { try SpeechVoice(parsing: String($0)) }
        guard !voices.isEmpty else { throw SynthesisError.unknownVoice(text, reason: "the voice list is empty") }
        return voices
    }

    /// `flite:slt`, `espeak:en-us+f3` or `festival:ked_diphone`: the form `init(parsing:)` reads back.
    public var description: String { "\(engine.rawValue):\(name)" }

    /// A name safe inside file names.
    public var fileTag: String {
        description.map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "") { $0.append($1) }
    }

    /// The default target voice of the assistant: flite `slt`.
    public static let target = SpeechVoice(engine: .flite, name: "slt")

    /// A voice that no corpus, model or setting of the workbench is made with or tuned on: Festival's
    /// ked_diphone (a US male diphone voice), for evaluations on speech nothing here has heard.
    public static let heldOut = SpeechVoice(engine: .festival, name: "ked_diphone")

    /// The default input voices: the four flite voices and four espeak-ng English variants.
    public static let defaultInputs: [SpeechVoice] = ["kal", "awb", "rms", "slt"].map { SpeechVoice(engine: .flite, name: $0) }
        + ["en-us+m3", "en-us+f3", "en+m1", "en-gb+f2"].map { SpeechVoice(engine: .espeak, name: $0) }
}

// MARK: - Prosody jitter

/// Speaking-rate and pitch variation for espeak-ng voices (flite renders its voices as they are).
public struct ProsodyJitter: Sendable, Equatable {
    /// espeak-ng words per minute range.
    public var speed: ClosedRange<Int>
    /// espeak-ng pitch (0–99) range.
    public var pitch: ClosedRange<Int>

    public init(speed: ClosedRange<Int> = 145...185, pitch: ClosedRange<Int> = 35...65) {
        self.speed = speed
        self.pitch = pitch
    }

    /// No variation: espeak-ng's defaults (175 wpm, pitch 50).
    public static let none = ProsodyJitter(speed: 175...175, pitch: 50...50)
}

// MARK: - Errors

/// Why speech could not be synthesised; each message says how to fix it.
public enum SynthesisError: Error, CustomStringConvertible, LocalizedError, Equatable {
    case missingProgram(String)
    case unknownVoice(String, reason: String)
    case failed(String)

    public var description: String {
        switch self {
        case .missingProgram(let program):
            let package = ["flite": "flite", "text2wave": "festival festvox-kdlpc16k festvox-kallpc16k"][program] ?? "espeak-ng"
            return "\(program) is not installed (not found on PATH): install it with `sudo apt-get install \(package)`"
        case .unknownVoice(let voice, let reason):
            return "unknown voice '\(voice)': \(reason). Use flite voices (`flite -lv` lists them: kal, awb, rms, slt), espeak-ng English variants such as espeak:en-us+f3 (`espeak-ng --voices=en`) or festival:ked_diphone"
        case .failed(let message):
            return "speech synthesis failed: \(message)"
        }
    }

    public var errorDescription: String? { description }
}
