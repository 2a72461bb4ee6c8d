import Foundation
import XCTest
@testable import Audio

final class GriffinLimTests: XCTestCase {
    /// Mean |a − b| over log-mel values, ignoring frames/bands that are silent in `a` (within 60 dB of its floor).
    private func meanLogMelDistance(_ a: Spectrogram, _ b: Spectrogram) -> Double {
        let frames = min(a.frames, b.frames), bins = a.bins
        let peak = a.values.max() ?? 0
        var total = 0.0, count = 0
        for t in 0..<frames {
            for m in 0..<bins where a.values[t * bins + m] > peak - 13.8 {   // 13.8 nepers ≈ 60 dB of power
                total += Double(abs(a.values[t * bins + m] - b.values[t * bins + m]))
                count += 1
            }
        }
        return count > 0 ? total / Double(count) : .infinity
    }

    func testReconstructsSynthesisedSpeechFromLogMel() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("speech.wav")
        try runTool("espeak-ng", ["-w", url.path, "Speech units stand in for acoustic features of a voice."],
                    installHint: "apt-get install espeak-ng")
        let clip = try AudioFile.read(url, sampleRate: 16_000)
        XCTAssertGreaterThan(clip.duration, 1.5)
        let extractor = try LogMel()
        let original = extractor.compute(clip.samples)

        let start = Date()
        let waveform = try GriffinLim(iterations: 32).reconstruct(logMel: original, extractor: extractor, length: clip.samples.count)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(waveform.count, clip.samples.count)
        XCTAssertTrue(waveform.allSatisfy(\.isFinite))
        let rebuilt = extractor.compute(waveform)
        let distance = meanLogMelDistance(original, rebuilt)

        // Baseline: the same magnitudes with random phases (no iterations).
        let baseline = extractor.compute(try GriffinLim(iterations: 0).reconstruct(logMel: original, extractor: extractor,
                                                                                 length: clip.samples.count))
        let baselineDistance = meanLogMelDistance(original, baseline)

        // Convergence on the linear magnitudes the mel inversion produced.
        var magnitude = try GriffinLim().linearPower(fromLogMel: original, extractor: extractor)
        for i in 0..<magnitude.values.count { magnitude.values[i] = magnitude.values[i].squareRoot() }
        let convergence = GriffinLim.spectralConvergence(target: magnitude, signal: waveform, stft: extractor.stft)
        let fitted = try extractor.logMel(fromPower: try Spectrogram(frames: magnitude.frames, bins: magnitude.bins,
                                                             values: magnitude.values.map { $0 * $0 }))
        let fitDistance = meanLogMelDistance(original, fitted)
        print(String(format: "Griffin-Lim on %.2f s of speech: log-mel distance %.3f nepers (%.2f dB), random phase %.3f, mel-inversion fit %.3f, spectral convergence %.3f, %.2f s",
                     clip.duration, distance, distance * 10 / log(10.0), baselineDistance, fitDistance, convergence, seconds))
        XCTAssertLessThan(fitDistance, 0.05)
        XCTAssertLessThan(distance, 0.3)
        XCTAssertLessThan(distance, 0.3 * baselineDistance)
        XCTAssertLessThan(convergence, 0.2)
    }

    func testMismatchedShapesThrow() throws {
        let extractor = try LogMel()
        let wrong = try Spectrogram(frames: 2, bins: 40, values: [Float](repeating: 0, count: 80))
        XCTAssertThrowsError(try GriffinLim().reconstruct(logMel: wrong, extractor: extractor))
        var nanMel = try Spectrogram(frames: 1, bins: 80, values: [Float](repeating: -5, count: 80))
        nanMel.values[3] = .nan
        XCTAssertThrowsError(try GriffinLim().reconstruct(logMel: nanMel, extractor: extractor))
        XCTAssertThrowsError(try GriffinLim().reconstruct(magnitude: wrong, stft: extractor.stft))
        XCTAssertThrowsError(try GriffinLim(momentum: 1).reconstruct(
            magnitude: try Spectrogram(frames: 1, bins: 257, values: [Float](repeating: 1, count: 257)), stft: extractor.stft))
    }
}
