import Audio
import Foundation
import XCTest
@testable import Models

/// The log-mel front end against faster-whisper's FeatureExtractor on the fixture WAVs (no model needed).
final class WhisperFrontEndTests: XCTestCase {
    func testLogMelMatchesFasterWhisper() throws {
        let fixture = try WhisperGolden.fixture("whisper-tiny.en")
        let frontEnd = try WhisperLogMel()
        var worstAbs: Float = 0, worstRel: Float = 0
        for clip in fixture.clips {
            let samples = try WhisperGolden.samples(clip.name)
            XCTAssertEqual(samples.count, clip.samples)
            let mel = try frontEnd.compute(samples)
            XCTAssertEqual(mel.frames - 1, clip.logMel.frames, clip.name)   // the reference stores the content frames
            let content = Array(mel.values.prefix(clip.logMel.frames * 80))
            XCTAssertEqual(Double(content.max()!), clip.logMel.max, accuracy: 1e-4, clip.name)
            XCTAssertEqual(Double(content.min()!), clip.logMel.min, accuracy: 1e-4, clip.name)
            let mean = content.reduce(0, +) / Float(content.count)
            XCTAssertEqual(Double(mean), clip.logMel.mean, accuracy: 1e-4, clip.name)
            for (row, expected) in clip.logMel.rows {
                let t = Int(row)!
                let d = differences(Array(mel.frame(t)), expected)
                worstAbs = max(worstAbs, d.absolute); worstRel = max(worstRel, d.relative)
                XCTAssertLessThan(d.absolute, 1e-4, "\(clip.name) frame \(t)")
            }
        }
        print("whisper log-mel vs faster-whisper: largest absolute difference \(worstAbs), relative \(worstRel)")
    }

    func testFrameCountsAndShortInput() throws {
        let frontEnd = try WhisperLogMel()
        XCTAssertEqual(try frontEnd.compute([Float](repeating: 0, count: 16_000)).frames, 101)
        XCTAssertEqual(try frontEnd.compute([Float](repeating: 0, count: 16_000), padding: 0).frames, 100)
        // Silence: every value is the floor, log10(1e-10) = −10 → (−10 + 4) / 4.
        XCTAssertEqual(try frontEnd.compute([Float](repeating: 0, count: 1600)).values.max(), -1.5)
        XCTAssertEqual(try frontEnd.compute([0.5]).frames, 1)
        XCTAssertThrowsError(try frontEnd.compute([], padding: 0)) { XCTAssertTrue("\($0)".contains("at least 160 samples"), "\($0)") }
        XCTAssertThrowsError(try frontEnd.compute([.nan, 0])) { XCTAssertTrue("\($0)".contains("NaN"), "\($0)") }
        let window = WhisperLogMel.window(try frontEnd.compute([Float](repeating: 0.1, count: 3200)))
        XCTAssertEqual(window.frames, 3000)
        XCTAssertEqual(window.values.last, 0)
    }
}
