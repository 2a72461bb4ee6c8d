import Audio
import Foundation
import XCTest
@testable import Models

/// The encoder against CTranslate2 (float32) on the fixtures' 30 s windows, for tiny.en and base.
final class WhisperEncoderTests: XCTestCase {
    func testTinyEnMatchesCTranslate2() throws { try compare("whisper-tiny.en") }
    func testBaseMatchesCTranslate2() throws { try compare("whisper-base") }

    /// On the 30 s window (zeros after the audio) and on the audio's own frames.
    private func compare(_ name: String) throws {
        let model = try WhisperGolden.model(name)
        let fixture = try WhisperGolden.fixture(name)
        for realLength in [false, true] {
            var worst = Worst()
            for clip in fixture.clips {
                let mel = try model.logMel(try WhisperGolden.samples(clip.name))
                let content = try Spectrogram(frames: mel.frames - 1, bins: mel.bins, values: Array(mel.values.prefix((mel.frames - 1) * mel.bins)))
                let out = try model.encode(realLength ? content : WhisperLogMel.window(content))
                let expected = realLength ? clip.realLength.encoder : clip.encoder
                XCTAssertEqual([out.positions, out.width], expected.shape)
                XCTAssertEqual(out.layers.count, model.config.encoderLayers + 1)
                let mean = out.final.reduce(0, +) / Float(out.final.count)
                XCTAssertEqual(Double(mean), expected.mean, accuracy: 1e-3 * expected.std, clip.name)
                for (row, values) in expected.rows {
                    let r = Int(row)!
                    let d = worst.add(Array(out.final[(r * out.width)..<((r + 1) * out.width)]), values)
                    XCTAssertLessThan(d, 1e-3, "\(name) \(clip.name) row \(r)")
                }
            }
            print("\(name) encoder vs CTranslate2, \(realLength ? "real length" : "30 s window"): \(worst)")
        }
    }

    /// Shorter input runs on its real length: 2 s of audio (201 frames) give 101 positions.
    func testRealLengthInput() throws {
        let model = try WhisperGolden.model("whisper-tiny.en")
        let mel = try model.logMel([Float](repeating: 0.01, count: 32_000))
        let out = try model.encode(mel)
        XCTAssertEqual(out.positions, 101)
        XCTAssertTrue(out.final.allSatisfy(\.isFinite))
        XCTAssertThrowsError(try model.encoder.encode([Float](repeating: 0, count: 3002 * 80), frames: 3002)) {
            XCTAssertTrue("\($0)".contains("cut the audio into 30 s windows"), "\($0)")
        }
    }
}

/// The largest differences seen: absolute, relative to the row's largest magnitude, and elementwise
/// relative over values of magnitude ≥ 0.01 (smaller ones only by their absolute difference).
struct Worst: CustomStringConvertible {
    var absolute: Float = 0, rowRelative: Float = 0, relative: Float = 0

    /// Adds a row; returns its difference relative to the row's largest magnitude.
    mutating func add(_ a: [Float], _ b: [Float]) -> Float {
        let d = differences(a, b)
        absolute = max(absolute, d.absolute); rowRelative = max(rowRelative, d.relative)
        for (x, y) in zip(a, b) where abs(y) >= 0.01 { relative = max(relative, abs(x - y) / abs(y)) }
        return d.relative
    }

    var description: String {
        "largest absolute difference \(absolute), relative to the row's largest value \(rowRelative), elementwise relative (|value| ≥ 0.01) \(relative)"
    }
}
