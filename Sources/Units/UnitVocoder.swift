import Foundation
import NN
import Tensor

// MARK: - Configuration

/// Shape of the unit vocoder: frame-level units (50 Hz) → embedding → residual convolutions →
/// `framesPerUnit` log-mel frames (100 Hz) per unit frame; and of its duration predictor.
public struct UnitVocoderConfig: Codable, Equatable, Sendable {
    public var units: Int
    public var dim = 128
    public var layers = 3
    public var kernel = 5
    public var melBins = 80
    public var framesPerUnit = 2
    public var durationDim = 96
    public var durationLayers = 4

    public init(units: Int) { self.units = units }

    public func validate() throws {
        guard units > 0, dim > 0, layers >= 0, kernel > 0, kernel % 2 == 1, melBins > 0, framesPerUnit > 0,
              durationDim > 0, durationLayers >= 0 else {
            throw UnitsModelError("unit vocoder sizes must be positive with an odd kernel: \(self)")
        }
    }
}

// MARK: - Vocoder

/// Units → normalised log-mel; `melMean`/`melStd` (not trained) map the output back to log-mel.
public final class UnitVocoder: Module {
    public let config: UnitVocoderConfig
    public let embedding: Embedding     // [K, C]
    public let convs: [Conv1d]          // [C, C, kernel]
    public let output: Linear           // [framesPerUnit·melBins, C]
    public let melMean: Tensor          // [melBins]
    public let melStd: Tensor           // [melBins]

    public init(_ config: UnitVocoderConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = SeededRandom(seed: seed)
        embedding = Embedding(config.units, config.dim, std: 0.3, rng: &rng)
        convs = (0..<config.layers).map { _ in
            Conv1d(inChannels: config.dim, outChannels: config.dim, kernelSize: config.kernel, padding: config.kernel / 2, rng: &rng)
        }
        output = Linear(config.dim, config.framesPerUnit * config.melBins, rng: &rng)
        melMean = Tensor(zeros: [config.melBins])
        melStd = Tensor(repeating: 1, shape: [config.melBins])
    }

    /// Normalised log-mel [B, framesPerUnit·T, melBins] of frame-level units [B, T] (row-major ids).
    public func callAsFunction(_ frameUnits: [Int32], batch: Int, frames: Int) throws -> Tensor {
        guard batch > 0, frames > 0, frameUnits.count == batch * frames else {
            throw UnitsModelError("\(frameUnits.count) unit frames do not fill a batch of \(batch) × \(frames)")
        }
        guard frameUnits.allSatisfy({ $0 >= 0 && Int($0) < config.units }) else {
            throw UnitsModelError("a unit id is outside 0..<\(config.units): use units of the same model")
        }
        var x = embedding(frameUnits, shape: [batch, frames]).transposed(1, 2)   // [B, C, T]
        for conv in convs { x = x + conv(x.gelu()) }
        let y = output(x.gelu().transposed(1, 2))                                  // [B, T, F·M]
        return y.reshaped([batch, frames * config.framesPerUnit, config.melBins])
    }

    /// Log-mel [framesPerUnit·T, melBins] for one frame-level unit sequence.
    public func logMel(frameUnits: [Int32]) throws -> Tensor {
        let normalized = try Autograd.noGrad { try self(frameUnits, batch: 1, frames: frameUnits.count) }
        let rows = normalized.shape[1], m = config.melBins
        let out = Tensor.empty([rows, m])
        for r in 0..<rows { for j in 0..<m { out.data[r * m + j] = normalized.data[r * m + j] * melStd.data[j] + melMean.data[j] } }
        return out
    }

    /// Sets the normalisation from log-mel rows [N, melBins].
    public func setNormalization(logMel values: [Float], bins: Int) {
        let rows = values.count / max(bins, 1)
        guard rows > 0, bins == config.melBins else { return }
        for j in 0..<bins {
            var sum: Double = 0, square: Double = 0
            for r in 0..<rows { let v = Double(values[r * bins + j]); sum += v; square += v * v }
            let mean = sum / Double(rows)
            melMean.data[j] = Float(mean)
            melStd.data[j] = Float(max(square / Double(rows) - mean * mean, 1e-4).squareRoot())
        }
    }
}

// MARK: - Durations

/// Deduplicated units [B, N] → log(duration in unit frames) [B, N].
public final class UnitDurationPredictor: Module {
    public let config: UnitVocoderConfig
    public let embedding: Embedding     // [K, C]
    public let convs: [Conv1d]          // [C, C, 3]
    public let output: Linear           // [1, C]

    public init(_ config: UnitVocoderConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = SeededRandom(seed: seed)
        embedding = Embedding(config.units, config.durationDim, std: 0.3, rng: &rng)
        convs = (0..<config.durationLayers).map { _ in
            Conv1d(inChannels: config.durationDim, outChannels: config.durationDim, kernelSize: 3, padding: 1, rng: &rng)
        }
        output = Linear(config.durationDim, 1, rng: &rng)
    }

    public func callAsFunction(_ units: [Int32], batch: Int, length: Int) throws -> Tensor {
        guard batch > 0, length > 0, units.count == batch * length else {
            throw UnitsModelError("\(units.count) units do not fill a batch of \(batch) × \(length)")
        }
        guard units.allSatisfy({ $0 >= 0 && Int($0) < config.units }) else {
            throw UnitsModelError("a unit id is outside 0..<\(config.units): use units of the same model")
        }
        var x = embedding(units, shape: [batch, length]).transposed(1, 2)
        for conv in convs { x = x + conv(x.gelu()) }
        return output(x.gelu().transposed(1, 2)).reshaped([batch, length])
    }

    /// Durations (unit frames, at least 1) for one deduplicated unit sequence: the predicted
    /// exp(log(1 + d)) − 1 times `scale`, rounded so that the running total stays unbiased.
    public func durations(_ units: [Int32], scale: Float = 1) throws -> [Int32] {
        guard scale.isFinite, scale > 0 else { throw UnitsModelError("duration scale \(scale) must be a positive number") }
        return try Self.rounded(expectedDurations(units).map { $0 * scale })
    }

    /// Unrounded durations exp(prediction) − 1 (unit frames) of one deduplicated unit sequence.
    public func expectedDurations(_ units: [Int32]) throws -> [Float] {
        guard !units.isEmpty else { return [] }
        let logs = try Autograd.noGrad { try self(units, batch: 1, length: units.count) }
        return (0..<units.count).map { max(0, Foundation.exp(logs.data[$0]) - 1) }
    }

    /// Whole durations in 1...50 whose running sum follows the running sum of `values`
    /// (rounding each value alone shortens or lengthens whole utterances).
    static func rounded(_ values: [Float]) -> [Int32] {
        var exact: Double = 0, whole = 0
        return values.map { value in
            exact += Double(value)
            let d = max(1, min(50, Int((exact - Double(whole)).rounded())))
            whole += d
            return Int32(d)
        }
    }
}

// MARK: - Calibration

/// The factor making predicted durations add up to the measured ones: the predictor fits
/// log(1 + d), whose exponential falls short of the mean duration.
public enum UnitDurationCalibration {
    /// Σ measured / Σ predicted unit frames over frame-level unit sequences (1 when nothing is predicted).
    public static func scale(_ predictor: UnitDurationPredictor, frameUnits: [[Int32]]) throws -> Float {
        var measured: Double = 0, predicted: Double = 0
        for sequence in frameUnits where !sequence.isEmpty {
            let (units, durations) = UnitSequence.deduplicate(sequence)
            measured += Double(durations.reduce(0) { $0 + Int($1) })
            predicted += try predictor.expectedDurations(units).reduce(0) { $0 + Double($1) }
        }
        guard predicted > 0, measured > 0 else { return 1 }
        return Float(measured / predicted)
    }
}
