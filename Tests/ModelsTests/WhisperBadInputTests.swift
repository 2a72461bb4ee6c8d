import Audio
import Foundation
import Formats
import XCTest
@testable import Models

/// Corrupt model files, empty, silent and very long clips: clear errors or bounded behaviour.
final class WhisperBadInputTests: XCTestCase {
    func testCorruptModelFilesAreClearErrors() throws {
        let source = try ModelStore.resolve("whisper-tiny.en")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("echox-whisper-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["config.json", "vocabulary.txt"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        XCTAssertThrowsError(try WhisperModel.load(folder)) { XCTAssertTrue("\($0)".contains("has no model.bin"), "\($0)") }
        let bytes = try Data(contentsOf: source.appendingPathComponent("model.bin"))
        let model = folder.appendingPathComponent("model.bin")
        try bytes.prefix(bytes.count / 2).write(to: model)
        XCTAssertThrowsError(try WhisperModel.load(folder)) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        try Data(repeating: 0x41, count: 1000).write(to: model)
        XCTAssertThrowsError(try WhisperModel.load(folder)) { XCTAssertTrue("\($0)".contains("binary version 1094795585 is not supported"), "\($0)") }
        try Data().write(to: model)
        XCTAssertThrowsError(try WhisperModel.load(folder)) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        // A valid file with a variable renamed: the model says which one it misses.
        var renamed = bytes
        let name = Data("encoder/conv2/bias".utf8)
        let at = renamed.range(of: name)!
        renamed.replaceSubrange(at, with: Data("encoder/conv2/bia_".utf8))
        try renamed.write(to: model)
        XCTAssertThrowsError(try WhisperModel.load(folder)) { XCTAssertTrue("\($0)".contains("no variable 'encoder/conv2/bias'"), "\($0)") }
    }

    func testEmptyClipIsRefused() throws {
        let model = try WhisperGolden.model("whisper-tiny.en")
        XCTAssertThrowsError(try model.transcribe(samples: [])) { XCTAssertTrue("\($0)".contains("the clip is empty"), "\($0)") }
        XCTAssertThrowsError(try model.transcribe(AudioClip(samples: [], sampleRate: 16_000))) { XCTAssertTrue("\($0)".contains("empty"), "\($0)") }
    }

    /// Silence decodes to whatever the model says for it, within 224 tokens.
    func testSilenceIsBounded() throws {
        let model = try WhisperGolden.model("whisper-tiny.en")
        let transcript = try model.transcribe(samples: [Float](repeating: 0, count: 3 * 16_000))
        XCTAssertEqual(transcript.tokens.count, 1)
        XCTAssertLessThanOrEqual(transcript.tokens[0].count, WhisperModel.maxTokens(model.config))
        print("whisper-tiny.en on 3 s of silence: \"\(transcript.text)\"")
    }

    /// Ten minutes are twenty 30 s windows, each decoded on its own and bounded.
    func testTenMinutesAreTwentyWindows() throws {
        let model = try WhisperGolden.model("whisper-tiny.en")
        let speech = try WhisperGolden.samples("slt_weather")
        var samples = [Float](repeating: 0, count: 600 * 16_000)
        for start in stride(from: 0, to: samples.count - speech.count, by: 30 * 16_000) {
            samples.replaceSubrange(start..<(start + speech.count), with: speech)
        }
        let began = Date()
        let transcript = try model.transcribe(samples: samples)
        XCTAssertEqual(transcript.tokens.count, 20)
        XCTAssertEqual(transcript.duration, 600)
        XCTAssertTrue(transcript.tokens.allSatisfy { $0.count <= WhisperModel.maxTokens(model.config) })
        XCTAssertGreaterThanOrEqual(transcript.text.components(separatedBy: "walk in the park").count - 1, 15, transcript.text)
        print(String(format: "whisper-tiny.en on 10 min: 20 windows in %.1f s", Date().timeIntervalSince(began)))
    }
}
