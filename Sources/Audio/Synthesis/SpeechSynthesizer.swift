import Foundation
import Tensor

/// Renders text with flite or espeak-ng into 16-bit WAV files, read back as mono clips at a chosen rate.
/// Safe to use from several threads: every call runs its own process and temporary file.
public struct SpeechSynthesizer: Sendable {
    /// Sample rate of every returned clip.
    public var sampleRate: Int
    public var jitter: ProsodyJitter
    /// Seconds a synthesis process may run before it is stopped.
    public var timeout: TimeInterval = 60
    /// Directories searched for flite and espeak-ng (colon-separated); nil uses PATH.
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
        }
        guard FileManager.default.fileExists(atPath: temporary.path) else {
            throw SynthesisError.failed("\(voice) wrote no audio for \"\(cleaned.prefix(60))\"")
        }
        let clip = try AudioFile.read(temporary, sampleRate: sampleRate)
        guard !clip.samples.isEmpty else { throw SynthesisError.failed("\(voice) produced an empty file") }
        return clip
    }

    // MARK: - Processes

    /// Runs `program` found on PATH; returns its standard output, throws on failure or timeout.
    func run(_ program: String, _ arguments: [String], timeout: TimeInterval) throws -> String {
        guard let path = Self.which(program, searchPath: searchPath) else { throw SynthesisError.missingProgram(program) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchTime.now() + timeout
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: timer)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SynthesisError.failed("\(program) exited with status \(process.terminationStatus): \(message.prefix(300))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// The full path of `program` on PATH, or nil.
    static func which(_ program: String, searchPath: String?) -> String? {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
