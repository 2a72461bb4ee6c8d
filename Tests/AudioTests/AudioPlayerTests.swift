import Foundation
import XCTest
@testable import Audio

final class AudioPlayerTests: XCTestCase {
    /// A directory holding an executable script named `name` with the given body.
    private func fakePlayer(_ name: String, body: String) throws -> URL {
        let dir = try temporaryDirectory(self)
        let script = dir.appendingPathComponent(name)
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: script)
        XCTAssertEqual(chmod(script.path, 0o755), 0)
        return dir
    }

    private func clipFile() throws -> URL {
        let url = try temporaryDirectory(self).appendingPathComponent("clip.wav")
        try AudioFile.write(sine(440, rate: 16_000, seconds: 0.2), sampleRate: 16_000, to: url)
        return url
    }

    func testWithoutDeviceReportsWhereTheFileIs() throws {
        let url = try clipFile()
        let emptyDevices = try temporaryDirectory(self)
        let result = AudioPlayer.play(url: url, timeout: 1, environment: ["PATH": "/usr/bin:/bin"], soundDirectory: emptyDevices.path)
        guard case .unavailable(let message) = result else { return XCTFail("got \(result)") }
        XCTAssertTrue(message.contains(url.path), message)
        XCTAssertTrue(message.contains("no audio device"), message)
    }

    func testMissingFileIsReported() {
        let result = AudioPlayer.play(url: URL(fileURLWithPath: "/nonexistent/a.wav"))
        guard case .unavailable(let message) = result else { return XCTFail("got \(result)") }
        XCTAssertTrue(message.contains("does not exist"))
    }

    func testFirstAvailablePlayerRuns() throws {
        let url = try clipFile()
        let bin = try fakePlayer("paplay", body: "test -f \"$1\"")
        let result = AudioPlayer.play(url: url, timeout: 5, environment: ["PATH": bin.path, "PULSE_SERVER": "unix:/tmp/x"],
                                      soundDirectory: "/nonexistent")
        XCTAssertEqual(result, .played(player: "paplay"))
    }

    func testHangingPlayerIsStoppedAtTheTimeout() throws {
        let url = try clipFile()
        let bin = try fakePlayer("aplay", body: "exec sleep 30")
        let start = Date()
        let result = AudioPlayer.play(url: url, timeout: 0.5, environment: ["PATH": bin.path, "PULSE_SERVER": "x"],
                                      soundDirectory: "/nonexistent")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        guard case .failed(let message) = result else { return XCTFail("got \(result)") }
        XCTAssertTrue(message.contains("did not finish"), message)
        XCTAssertTrue(message.contains(url.path), message)
    }
}
