import Foundation
import Tensor

/// Variation laid over synthesised speech, so a model trained on a few synthetic voices hears more
/// than clean studio takes: a speaking rate (resampling, which moves the pitch with it, as tape does),
/// a loudness, and background noise at a signal-to-noise ratio, each drawn per utterance.
public struct SpeechAugmentation: Codable, Equatable, Sendable {
    /// Rate factor: 1.1 plays 10% faster and higher.
    public var speed: ClosedRange<Double>
    /// Gain in dB; the result is kept inside [-1, 1] (scaled down rather than clipped).
    public var gainDB: ClosedRange<Double>
    /// Signal-to-noise ratio in dB of the added noise.
    public var snrDB: ClosedRange<Double>
    /// Share of utterances that get noise at all.
    public var noiseShare: Double

    enum CodingKeys: String, CodingKey {
        case speed, gainDB = "gain_db", snrDB = "snr_db", noiseShare = "noise_share"
    }

    public init(speed: ClosedRange<Double> = 0.88...1.12, gainDB: ClosedRange<Double> = -14...4,
                snrDB: ClosedRange<Double> = 12...40, noiseShare: Double = 0.6) {
        self.speed = speed; self.gainDB = gainDB; self.snrDB = snrDB; self.noiseShare = noiseShare
    }

    /// The clip as it was.
    public static let none = SpeechAugmentation(speed: 1...1, gainDB: 0...0, snrDB: 100...100, noiseShare: 0)

    /// Throws unless the ranges make sense.
    public func validate() throws {
        guard speed.lowerBound >= 0.5, speed.upperBound <= 2 else {
            throw AudioError.invalidArgument("augmentation speed \(speed) must lie within 0.5…2")
        }
        guard gainDB.lowerBound >= -40, gainDB.upperBound <= 20 else {
            throw AudioError.invalidArgument("augmentation gain_db \(gainDB) must lie within -40…20 dB")
        }
        guard snrDB.lowerBound >= 0, (0...1).contains(noiseShare) else {
            throw AudioError.invalidArgument("augmentation snr_db must be ≥ 0 dB and noise_share within 0…1")
        }
    }

    /// `clip` with a rate, a gain and maybe noise drawn from `rng` (the same draws give the same clip).
    public func apply(_ clip: AudioClip, rng: inout SeededRandom) throws -> AudioClip {
        let factor = draw(speed, &rng), gain = draw(gainDB, &rng), snr = draw(snrDB, &rng)
        let noisy = Double(rng.uniform()) < noiseShare
        var samples = clip.samples
        if abs(factor - 1) > 1e-3 {
            // Read as if recorded at rate·factor, then resampled to the rate: shorter and higher for factor > 1.
            let source = Int((Double(clip.sampleRate) * factor / 100).rounded()) * 100
            samples = try Resampler.resample(samples, from: source, to: clip.sampleRate)
        }
        guard !samples.isEmpty else { return AudioClip(samples: samples, sampleRate: clip.sampleRate) }
        var power = 0.0
        for s in samples { power += Double(s) * Double(s) }
        power /= Double(samples.count)
        if noisy && power > 0 {
            let std = Float((power / pow(10, snr / 10)).squareRoot())
            // Noise tilted towards the low end (one-pole low-pass over white), like rooms and fans,
            // scaled back to unit variance (the filter's is 0.3² / (1 − 0.7²)).
            let unit = Float((1 - 0.49).squareRoot() / 0.3)
            var previous: Float = 0
            for i in samples.indices {
                previous = 0.7 * previous + 0.3 * rng.normal()
                samples[i] += std * unit * previous
            }
        }
        var scale = Float(pow(10, gain / 20))
        let peak = samples.reduce(0) { max($0, abs($1)) } * scale
        if peak > 0.99 { scale *= 0.99 / peak }
        for i in samples.indices { samples[i] *= scale }
        return AudioClip(samples: samples, sampleRate: clip.sampleRate)
    }

    private func draw(_ range: ClosedRange<Double>, _ rng: inout SeededRandom) -> Double {
        range.lowerBound + Double(rng.uniform()) * (range.upperBound - range.lowerBound)
    }
}
