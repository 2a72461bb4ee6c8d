import Foundation
import Processes
import Tensor

/// Renders text with flite, espeak-ng or Festival into 16-bit WAV files, read back as mono clips at a chosen rate.
/// Safe to use from several threads: every call runs its own process and temporary file.
public struct SpeechSynthesizer: Sendable {
    /// Sample rate of every returned clip.
    public var sampleRate: Int
    public var jitter: ProsodyJitter
    /// Seconds a synthesis process may run before it is stopped.
    public var timeout: TimeInterval = 60
    /// Directories searched for flite, espeak-ng and text2wave (colon-separated); nil uses PATH.
    public var searchPath: String?

    public init(sampleRate: Int = 16_000, jitter: ProsodyJitter = ProsodyJitter()) {
        self.sampleRate = sampleRate
        self.jitter = jitter
    }

    // MARK: - Checks

    /// Throws a clear error when a program is missing or a voice is not available.
    public func check(_ voices: [SpeechVoice]) throws {
        if voices.contains(where: { $0.engine == .flite }) {
            let listed = try fliteVoices()
            for voice in voices where voice.engine == .flite && !listed.contains(voice.name) {
                throw SynthesisError.unknownVoice(voice.description, reason: "flite lists only \(listed.joined(separator: ", "))")
            }
        }
        for voice in voices where voice.engine == .espeak {
            let base = String(voice.name.split(separator: "+").first ?? "")
            let output = try run("espeak-ng", ["--voices=\(base)"], timeout: timeout)
            let found = output.split(separator: "\n").dropFirst().contains { line in
                line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) == base
            }
            guard found else { throw SynthesisError.unknownVoice(voice.description, reason: "espeak-ng has no voice '\(base)'") }
        }
        if voices.contains(where: { $0.engine == .festival }) {
            guard Subprocess.which("text2wave", searchPath: searchPath) != nil else { throw SynthesisError.missingProgram("text2wave") }
        }
    }

    /// The voices `flite -lv` lists.
    public func fliteVoices() throws -> [String] {
        let output = try run("flite", ["-lv"], timeout: 30)
        guard let colon = output.firstIndex(of: ":") else { return [] }
        return output[output.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    // MARK: - Rendering

    /// Speech for `text` in `voice`; `rng` draws the espeak-ng speed and pitch.
    public func render(_ text: String, voice: SpeechVoice, rng: inout SeededRandom) throws -> AudioClip {
        let cleaned = text.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        guard !cleaned.isEmpty else { throw SynthesisError.failed("the text is empty") }
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("echox-synth-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: temporary) }
        switch voice.engine {
        case .flite:
            _ = try run("flite", ["-voice", voice.name, "-t", cleaned, "-o", temporary.path], timeout: timeout)
        case .espeak:
            let speed = Int.random(in: jitter.speed, using: &rng)
            let pitch = Int.random(in: jitter.pitch, using: &rng)
            _ = try run("espeak-ng", ["-v", voice.name, "-s", String(speed), "-p", String(pitch),
                                           "-w", temporary.path, "--", cleaned], timeout: timeout)
        case .festival:
            // text2wave reads the text on stdin; an unknown voice is reported on stderr, with no file written.
            let errors = try run("text2wave", ["-eval", "(voice_\(voice.name))", "-o", temporary.path], input: cleaned, timeout: timeout,
                                 keepErrors: true)
            if !FileManager.default.fileExists(atPath: temporary.path), errors.contains("unbound variable") {
                throw SynthesisError.unknownVoice(voice.description, reason: "Festival has no voice '\(voice.name)' (install festvox-kdlpc16k for ked_diphone, festvox-kallpc16k for kal_diphone)")
            }
        }
        guard FileManager.default.fileExists(atPath: temporary.path) else {
            throw SynthesisError.failed("\(voice) wrote no audio for \"\(cleaned.prefix(60))\"")
        }
        let clip = try AudioFile.read(temporary, sampleRate: sampleRate)
        guard !clip.samples.isEmpty else { throw SynthesisError.failed("\(voice) produced an empty file") }
        return clip
    }

    // MARK: - Processes

    /// Runs `program` found on the search path with `input` on stdin; returns its standard output (its
    /// standard error with `keepErrors`), throws on failure or timeout.
    func run(_ program: String, _ arguments: [String], input: String = "", timeout: TimeInterval, keepErrors: Bool = false) throws -> String {
        guard let path = Subprocess.which(program, searchPath: searchPath) else { throw SynthesisError.missingProgram(program) }
        do {
            let result = try Subprocess.runChecked(path, arguments: arguments, input: Data(input.utf8), timeout: timeout)
            return String(decoding: keepErrors ? result.stderr : result.stdout, as: UTF8.self)
        } catch let failure as Subprocess.Failure {
            throw SynthesisError.failed(failure.description)
        }
    }
}
