import Foundation
import Processes

// MARK: - Playback through whatever command-line player the machine has

/// What happened when asked to play a file.
public enum PlaybackResult: Equatable, Sendable, CustomStringConvertible {
    /// The named player ran to completion.
    case played(player: String)
    /// Nothing could play here; the message says why and where the file is.
    case unavailable(message: String)
    /// A player ran but failed or was stopped at the timeout.
    case failed(message: String)

    public var description: String {
        switch self {
        case .played(let player): return "played with \(player)"
        case .unavailable(let message), .failed(let message): return message
        }
    }
}

/// Plays audio files with the first available of aplay, paplay and play (sox), never waiting
/// longer than the timeout.
public enum AudioPlayer {
    /// Players tried in order, with the arguments that go before the file path.
    static let players: [(name: String, arguments: [String])] = [
        ("aplay", ["-q"]), ("paplay", []), ("play", ["-q"]),
    ]

    /// Plays `url`; the timeout defaults to the file's duration plus 5 seconds (30 s when unknown).
    public static func play(url: URL, timeout: TimeInterval? = nil) -> PlaybackResult {
        play(url: url, timeout: timeout, environment: ProcessInfo.processInfo.environment, soundDirectory: "/dev/snd")
    }

    /// `play(url:timeout:)` with the environment and device directory supplied by the caller.
    static func play(url: URL, timeout: TimeInterval?, environment: [String: String], soundDirectory: String) -> PlaybackResult {
        guard FileManager.default.fileExists(atPath: url.path) else {
            return .unavailable(message: "cannot play \(url.path): the file does not exist")
        }
        guard hasAudioDevice(environment: environment, soundDirectory: soundDirectory) else {
            return .unavailable(message: "no audio device here (no /dev/snd, no PulseAudio server); the file is at \(url.path)")
        }
        guard let player = findPlayer(path: environment["PATH"] ?? "/usr/bin:/bin") else {
            return .unavailable(message: "no player found (install alsa-utils, pulseaudio-utils or sox); the file is at \(url.path)")
        }
        let limit = timeout ?? ((try? AudioFile.read(url)).map { $0.duration + 5 } ?? 30)
        return run(player.executable, arguments: player.arguments + [url.path], timeout: limit, name: player.name, file: url.path)
    }

    /// True when /dev/snd has devices or a PulseAudio server is reachable.
    static func hasAudioDevice(environment: [String: String], soundDirectory: String = "/dev/snd") -> Bool {
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: soundDirectory), !entries.isEmpty { return true }
        if let server = environment["PULSE_SERVER"], !server.isEmpty { return true }
        if let runtime = environment["XDG_RUNTIME_DIR"],
           FileManager.default.fileExists(atPath: runtime + "/pulse/native") { return true }
        return false
    }

    /// The first player on `path` (colon-separated directories).
    static func findPlayer(path: String) -> (name: String, executable: String, arguments: [String])? {
        let directories = path.split(separator: ":").map(String.init)
        for player in players {
            for directory in directories {
                let candidate = directory + "/" + player.name
                if FileManager.default.isExecutableFile(atPath: candidate) {
                    return (player.name, candidate, player.arguments)
                }
            }
        }
        return nil
    }

    /// Runs a player, stopping it when it outlives `timeout` seconds.
    static func run(_ executable: String, arguments: [String], timeout: TimeInterval, name: String, file: String) -> PlaybackResult {
        do {
            try Subprocess.runChecked(executable, arguments: arguments, timeout: max(0.1, timeout))
            return .played(player: name)
        } catch {
            return .failed(message: "\(error); the file is at \(file)")
        }
    }
}
