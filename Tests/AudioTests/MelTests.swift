import Foundation
import XCTest
@testable import Audio
import Tensor

final class MelTests: XCTestCase {
    func testMelConfigDefaultsAndCodable() throws {
        let config = MelConfig()
        XCTAssertEqual([config.sampleRate, config.nFFT, config.winLength, config.hopLength, config.nMels], [16_000, 512, 400, 160, 80])
        XCTAssertEqual(config.fMin, 0)
        XCTAssertEqual(config.fMax, 8_000)
        let decoded = try JSONDecoder().decode(MelConfig.self, from: JSONEncoder().encode(config))
        XCTAssertEqual(decoded, config)
        XCTAssertThrowsError(try LogMel(config: MelConfig(fMax: 9_000)))
        XCTAssertThrowsError(try LogMel(config: MelConfig(winLength: 600)))
    }

    func testSlaneyScaleIsLinearBelow1kHzAndInvertible() {
        XCTAssertEqual(MelScale.mel(fromHz: 1000), 15, accuracy: 1e-12)
        XCTAssertEqual(MelScale.mel(fromHz: 500), 7.5, accuracy: 1e-12)
        XCTAssertEqual(MelScale.mel(fromHz: 6400), 42, accuracy: 1e-9)      // 15 + 27 per factor 6.4
        for hz in [0.0, 300, 999, 1000, 4321, 8000] {
            XCTAssertEqual(MelScale.hz(fromMel: MelScale.mel(fromHz: hz)), hz, accuracy: 1e-6)
        }
    }

    func testFilterbankBandsHaveUnitArea() {
        let config = MelConfig()
        let weights = MelScale.filterbank(config)
        let edges = MelScale.bandEdges(config)
        let bins = 257, binHz = 16_000.0 / 512
        for m in [5, 40, 79] {
            let area = (0..<bins).reduce(0.0) { $0 + Double(weights[m * bins + $1]) } * binHz
            // A triangle of height 2/(hi − lo) over [lo, hi] has area 1 (sampled on the bin grid).
            XCTAssertEqual(area, 1, accuracy: m < 10 ? 0.35 : 0.05, "band \(m) \(edges[m])–\(edges[m + 2]) Hz")
        }
    }

    func testFrameCountAndTensorShape() throws {
        let extractor = try LogMel()
        let x = sine(440, rate: 16_000, seconds: 1)
        let spec = extractor.compute(x)
        XCTAssertEqual(spec.frames, 101)    // 1 + 16000 / 160 with centred frames
        XCTAssertEqual(spec.bins, 80)
        let tensor = extractor.tensor(x)
        XCTAssertEqual(tensor.shape, [101, 80])
        XCTAssertEqual(extractor.compute([]).frames, 0)
        XCTAssertEqual(extractor.compute([0.5]).frames, 1)
    }

    func testPureTonePeaksInItsMelBand() throws {
        let extractor = try LogMel()
        let edges = MelScale.bandEdges(extractor.config)
        for frequency in [250.0, 1000, 3000, 6500] {
            let spec = extractor.compute(sine(frequency, rate: 16_000, seconds: 0.5))
            let frame = Array(spec.frame(25))
            let peak = frame.indices.max { frame[$0] < frame[$1] }!
            // The band whose centre is nearest the tone.
            let expected = (0..<80).min { abs(edges[$0 + 1] - frequency) < abs(edges[$1 + 1] - frequency) }!
            XCTAssertLessThanOrEqual(abs(peak - expected), 1, "\(frequency) Hz peaked in band \(peak), centre \(edges[peak + 1]) Hz")
        }
    }

    /// A sine of amplitude A on bin k has |X_k| = A · Σw / 2 (Σw = 200 for a 400-sample periodic Hann).
    func testToneOnABinHasTheTextbookMagnitude() throws {
        let stft = try STFT(nFFT: 512, winLength: 400, hopLength: 160)
        XCTAssertEqual(stft.window.reduce(0, +), 200, accuracy: 1e-3)
        let power = stft.power(sine(1_000, rate: 16_000, seconds: 0.5, amplitude: 0.5))   // bin 32
        for t in [10, 20, 30] {
            XCTAssertEqual(power.values[t * 257 + 32], 2_500, accuracy: 1)
            XCTAssertLessThan(power.values[t * 257 + 40], 2_500e-5)   // 8 bins away: below −50 dB
        }
    }

    func testParsevalPerFrame() throws {
        let stft = try STFT(nFFT: 512, winLength: 400, hopLength: 160)
        var rng = SplitMix(7)
        let x = (0..<8_000).map { _ in Float(rng.nextUnit() - 0.5) }
        let power = stft.power(x)
        let padded = stft.reflectPadded(x)
        for t in [0, 10, 49] {
            var timeEnergy = 0.0
            for i in 0..<512 { let v = Double(padded[t * 160 + i] * stft.window[i]); timeEnergy += v * v }
            var spectralEnergy = 0.0
            for k in 0..<257 {
                let weight = (k == 0 || k == 256) ? 1.0 : 2.0   // one-sided spectrum
                spectralEnergy += weight * Double(power.values[t * 257 + k])
            }
            XCTAssertEqual(spectralEnergy / 512, timeEnergy, accuracy: 1e-4 * timeEnergy, "frame \(t)")
        }
    }

    func testInverseSTFTRestoresSignal() throws {
        let stft = try STFT(nFFT: 512, winLength: 400, hopLength: 160)
        let x = sine(300, rate: 16_000, seconds: 0.3) + sine(2_000, rate: 16_000, seconds: 0.2, amplitude: 0.1)
        let y = try stft.inverse(stft.forward(x), length: x.count)
        XCTAssertEqual(y.count, x.count)
        let worst = zip(x, y).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-4)
    }

    func testFileFeaturesMatchSampleFeatures() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("tone.wav")
        let tone = sine(600, rate: 8_000, seconds: 0.4)
        try AudioFile.write(tone, sampleRate: 8_000, to: url, format: .wavFloat)
        let extractor = try LogMel()
        let expected = extractor.compute(try Resampler.resample(tone, from: 8_000, to: 16_000))
        XCTAssertEqual(try extractor.compute(file: url), expected)
    }

    func testLogFloorAndSilence() throws {
        let spec = try LogMel().compute([Float](repeating: 0, count: 1_600))
        XCTAssertTrue(spec.values.allSatisfy { $0 == log(Float(1e-10)) })
    }

    func testMFCCIsOrthonormalDCTOfLogMel() throws {
        let extractor = try LogMel()
        let logMel = extractor.compute(sine(700, rate: 16_000, seconds: 0.2))
        let full = try LogMel.mfcc(logMel: logMel, count: 80)
        let mfcc13 = try extractor.mfcc(sine(700, rate: 16_000, seconds: 0.2), count: 13)
        XCTAssertEqual(mfcc13.bins, 13)
        for t in 0..<logMel.frames {
            let energyIn = logMel.frame(t).reduce(0.0) { $0 + Double($1 * $1) }
            let energyOut = full.frame(t).reduce(0.0) { $0 + Double($1 * $1) }
            XCTAssertEqual(energyOut, energyIn, accuracy: 1e-4 * energyIn)
            let mean = logMel.frame(t).reduce(0.0) { $0 + Double($1) } / 80
            XCTAssertEqual(Double(full.values[t * 80]), mean * 80.0.squareRoot(), accuracy: 1e-3 * abs(mean) * 9)
            XCTAssertEqual(mfcc13.values[t * 13 + 5], full.values[t * 80 + 5], accuracy: 1e-3)
        }
        XCTAssertThrowsError(try LogMel.mfcc(logMel: logMel, count: 81))
    }

    func testSpeedOfLogMelOnTenSeconds() throws {
        let extractor = try LogMel()
        let x = sine(440, rate: 16_000, seconds: 10)
        let start = Date()
        let spec = extractor.compute(x)
        let ms = Date().timeIntervalSince(start) * 1000
        print("log-mel of 10 s at 16 kHz: \(String(format: "%.1f", ms)) ms")
        XCTAssertEqual(spec.frames, 1001)
    }
}

final class SpectrogramTests: XCTestCase {
    func testShapeChecksThrowInsteadOfCrashing() throws {
        XCTAssertThrowsError(try Spectrogram(frames: 2, bins: 3, values: [1, 2]))
        XCTAssertThrowsError(try ComplexSpectrogram(frames: 1, bins: 2, real: [1, 2], imaginary: [1]))
        let extractor = try LogMel()
        let wrong = try Spectrogram(frames: 1, bins: 3, values: [1, 2, 3])
        XCTAssertThrowsError(try extractor.melPower(fromPower: wrong))
        XCTAssertThrowsError(try extractor.logMel(fromPower: wrong))
        let spectrum = try ComplexSpectrogram(frames: 1, bins: 3, real: [0, 0, 0], imaginary: [0, 0, 0])
        XCTAssertThrowsError(try extractor.stft.inverse(spectrum))
    }

    func testTensorRoundTrip() throws {
        let spec = try LogMel().compute(sine(500, rate: 16_000, seconds: 0.1))
        XCTAssertEqual(try Spectrogram(tensor: spec.tensor), spec)
        XCTAssertThrowsError(try Spectrogram(tensor: Tensor([1, 2, 3], shape: [3])))
    }
}
