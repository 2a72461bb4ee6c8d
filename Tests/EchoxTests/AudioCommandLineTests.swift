import Foundation
import XCTest

/// The audio and units commands are part of the executable's shell, with clear errors that leave it running.
final class AudioCommandLineTests: XCTestCase {
    func testAudioCommandsAreInTheShellAndErrorsLeaveItRunning() throws {
        let root = try temporaryDirectory(self)
        let home = root.appendingPathComponent("home")
        let input = ["units fly", "units encode missing.wav", "load units nowhere", "play", "corpus synth missing.txt",
                     "say voice=slt Hello there.", "play", "help units", "plot units"].joined(separator: "\n") + "\n"
        let result = try EchoxRunner.run([], input: input, home: home, directory: root)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("error: unknown units subcommand 'fly' — use train, encode, resynth or evaluate (help units)"), result.stdout)
        XCTAssertTrue(lines.contains("error: no units model is loaded — type `load units PATH` (a folder made by `units train`)"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("error: no units model at \(home.path)/models/nowhere") }, result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("error: nothing to play yet") })
        XCTAssertTrue(lines.contains("error: no such file: \(root.path)/missing.txt — check the path (Tab completes file names)"), result.stdout)
        let wav = try XCTUnwrap(lines.first { $0.hasPrefix("wav: ") }?.dropFirst(5).split(separator: " ").first.map(String.init))
        XCTAssertTrue(FileManager.default.fileExists(atPath: wav), wav)
        XCTAssertTrue(wav.hasPrefix(home.path + "/runs/audio-"), "said audio goes to a run of its own: \(wav)")
        XCTAssertTrue(lines.contains { $0.hasSuffix(wav) || $0.hasPrefix("played with") }, "play takes the WAV just made")
        XCTAssertTrue(lines.contains("usage: units train <corpus> [preset=quick] [out=PATH] … | units encode [wav] | units resynth [wav…] [durations=source|predicted] [out=DIR]"), result.stdout)
        XCTAssertEqual(lines.last, "error: no units model is loaded — type `load units PATH` (a folder made by `units train`)")
    }
}
