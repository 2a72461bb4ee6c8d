import ArgumentParser
import Audio
import Foundation

/// `echox play FILE`: plays an audio file, or says where it is when no device can play it.
struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Play an audio file through aplay, paplay or play when an audio device exists.")

    @Argument(help: "Audio file.") var file: String

    func run() throws {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ValidationError("no file at \(url.path): check the path")
        }
        print(AudioPlayer.play(url: url).description)
    }
}
