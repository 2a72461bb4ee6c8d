import Audio
import Foundation
import XCTest
@testable import Models

/// The encoder against CTranslate2 (float32) on the fixtures' 30 s windows, for tiny.en and base.
final class WhisperEncoderTests: XCTestCase {
    func testTinyEnMatchesCTranslate2() throws { try compare("whisper-tiny.en") }
    func testBaseMatchesCTranslate2() throws { try compare("whisper-base") }

    private func compare(_ name: String) throws {
        let model = try WhisperGolden.model(name)
        let fixture = try WhisperGolden.fixture(name)
        var worstAbs: Float = 0, worstRel: Float = 0
        for clip in fixture.clips {
            let mel = try model.logMel(try WhisperGolden.samples(clip.name))
            let content = try Spectrogram(frames: mel.frames - 1, bins: mel.bins, values: Array(mel.values.prefix((mel.frames - 1) * mel.bins)))
            let out = try model.encode(WhisperLogMel.window(content))
            XCTAssertEqual([out.positions, out.width], clip.encoder.shape)
            XCTAssertEqual(out.layers.count, model.config.encoderLayers + 1)
            let mean = out.final.reduce(0, +) / Float(out.final.count)
            XCTAssertEqual(Double(mean), clip.encoder.mean, accuracy: 1e-3 * clip.encoder.std, clip.name)
            for (row, expected) in clip.encoder.rows {
                let r = Int(row)!
                let d = differences(Array(out.final[(r * out.width)..<((r + 1) * out.width)]), expected)
                worstAbs = max(worstAbs, d.absolute); worstRel = max(worstRel, d.relative)
                XCTAssertLessThan(d.relative, 1e-3, "\(name) \(clip.name) row \(r): largest difference \(d.absolute)")
            }
        }
        print("\(name) encoder vs CTranslate2: largest absolute difference \(worstAbs), relative to the row's largest value \(worstRel)")
    }

    /// Shorter input runs on its real length: 2 s of audio give 100 positions.
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
