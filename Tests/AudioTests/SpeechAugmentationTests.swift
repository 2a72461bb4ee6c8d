import Audio
import Tensor
import XCTest

final class SpeechAugmentationTests: XCTestCase {
    /// A second of a 220 Hz tone at 16 kHz.
    let tone = AudioClip(samples: (0..<16_000).map { 0.3 * sin(2 * .pi * 220 * Float($0) / 16_000) }, sampleRate: 16_000)

    func testSameDrawsGiveTheSameClipAndOthersDiffer() throws {
        let augmentation = SpeechAugmentation()
        var a = SeededRandom(seed: 4), b = SeededRandom(seed: 4), c = SeededRandom(seed: 5)
        let x = try augmentation.apply(tone, rng: &a), y = try augmentation.apply(tone, rng: &b), z = try augmentation.apply(tone, rng: &c)
        XCTAssertEqual(x, y)
        XCTAssertNotEqual(x, z)
    }

    func testSpeedMovesLengthAndPitchTogether() throws {
        var rng = SeededRandom(seed: 1)
        let faster = try SpeechAugmentation(speed: 1.2...1.2, gainDB: 0...0, snrDB: 100...100, noiseShare: 0).apply(tone, rng: &rng)
        XCTAssertEqual(Double(faster.samples.count), 16_000 / 1.2, accuracy: 40)
        XCTAssertEqual(zeroCrossingFrequency(faster.samples[...], rate: 16_000), 220 * 1.2, accuracy: 4)
        let same = try SpeechAugmentation.none.apply(tone, rng: &rng)
        XCTAssertEqual(same, tone)
    }

    func testNoiseLandsAtItsSignalToNoiseRatioAndGainNeverClips() throws {
        var rng = SeededRandom(seed: 2)
        let noisy = try SpeechAugmentation(speed: 1...1, gainDB: 0...0, snrDB: 10...10, noiseShare: 1).apply(tone, rng: &rng)
        let noise = zip(noisy.samples, tone.samples).map { $0 - $1 }
        let snr = 10 * log10(power(tone.samples) / power(noise))
        XCTAssertEqual(snr, 10, accuracy: 1)
        let loud = try SpeechAugmentation(speed: 1...1, gainDB: 20...20, snrDB: 100...100, noiseShare: 0).apply(tone, rng: &rng)
        XCTAssertLessThanOrEqual(loud.samples.map(abs).max()!, 0.99 + 1e-6)
        XCTAssertGreaterThan(loud.samples.map(abs).max()!, 0.9)
    }

    func testOutOfRangeSettingsAreRefused() {
        XCTAssertThrowsError(try SpeechAugmentation(speed: 0.1...3).validate()) { XCTAssertTrue("\($0)".contains("0.5…2")) }
        XCTAssertThrowsError(try SpeechAugmentation(noiseShare: 2).validate())
    }

    func power(_ x: [Float]) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) } / Double(x.count) }
}
