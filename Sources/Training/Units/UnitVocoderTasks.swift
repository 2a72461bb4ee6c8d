import Foundation
import NN
import Optim
import Tensor
import Units

/// One target-voice utterance for the vocoder: frame-level units (50 Hz) and its log-mel [T, bins] (100 Hz).
public struct VocoderUtterance: Sendable {
    public var frameUnits: [Int32]
    public var logMel: [Float]
    public init(frameUnits: [Int32], logMel: [Float]) { self.frameUnits = frameUnits; self.logMel = logMel }
}

/// Settings of vocoder and duration-predictor training.
public struct UnitVocoderTrainingConfig: Codable, Equatable, Sendable {
    public var steps = 2500
    public var batch = 8
    /// Unit frames per training window.
    public var window = 96
    public var peakLearningRate: Float = 2e-3
    public var durationSteps = 1000
    public var durationWindow = 48
    public init() {}

    /// The trainer framework's settings for a stage of `steps` steps (no weight decay).
    public func optimization(steps: Int, seed: UInt64) -> OptimizationConfig {
        var c = OptimizationConfig()
        c.learningRate = peakLearningRate
        c.warmupSteps = min(50, max(1, steps / 5))
        c.totalSteps = steps
        c.minRateFraction = 0.05
        c.weightDecay = 0
        c.seed = seed
        c.stopsAtTotal = true
        return c
    }
}

/// The target voice's units and normalised log-mel, joined, for random training windows.
public struct VocoderData: Sendable {
    let frameUnits: [Int32]       // [N] all utterances joined
    let melRows: [Float]          // [framesPerUnit·N, bins], normalised
    let units: [Int32]            // deduplicated, joined
    let logDurations: [Float]
    let bins: Int, framesPerUnit: Int

    /// Joins the utterances and sets the vocoder's mel normalisation from them.
    public init(utterances: [VocoderUtterance], vocoder: UnitVocoder, config: UnitVocoderTrainingConfig) throws {
        bins = vocoder.config.melBins; framesPerUnit = vocoder.config.framesPerUnit
        var joinedUnits: [Int32] = [], joinedMel: [Float] = [], dedupUnits: [Int32] = [], logs: [Float] = []
        for u in utterances where !u.frameUnits.isEmpty && u.logMel.count >= bins {
            let rows = u.logMel.count / bins, need = u.frameUnits.count * framesPerUnit
            joinedUnits += u.frameUnits
            for r in 0..<need {
                let source = min(r, rows - 1)
                joinedMel += u.logMel[(source * bins)..<((source + 1) * bins)]
            }
            let (d, durations) = UnitSequence.deduplicate(u.frameUnits)
            dedupUnits += d
            logs += durations.map { Foundation.log(1 + Float($0)) }
        }
        guard joinedUnits.count >= config.window, dedupUnits.count >= config.durationWindow else {
            throw TrainingError("only \(joinedUnits.count) unit frames of target-voice speech: the vocoder needs at least \(config.window); add target-voice utterances to the corpus")
        }
        vocoder.setNormalization(logMel: joinedMel, bins: bins)
        for r in 0..<(joinedMel.count / bins) {
            for j in 0..<bins { joinedMel[r * bins + j] = (joinedMel[r * bins + j] - vocoder.melMean.data[j]) / vocoder.melStd.data[j] }
        }
        frameUnits = joinedUnits; melRows = joinedMel; units = dedupUnits; logDurations = logs
    }

    /// `batch` random windows of `window` items: ids from `ids`, and `perItem` target values per item from `targets`.
    func windows<T>(_ ids: [Int32], _ targets: [T], perItem: Int, window: Int, batch: Int,
                    rng: inout SeededRandom) -> (ids: [Int32], targets: [T]) {
        var outIds: [Int32] = [], outTargets: [T] = []
        for _ in 0..<batch {
            let start = rng.int(below: ids.count - window + 1)
            outIds += ids[start..<(start + window)]
            outTargets += targets[(start * perItem)..<((start + window) * perItem)]
        }
        return (outIds, outTargets)
    }
}

/// The vocoder: L1 between predicted and real normalised log-mel on random unit windows.
public final class UnitVocoderTask: GradientTask {
    public let vocoder: UnitVocoder
    let data: VocoderData
    let batch: Int, window: Int

    public init(vocoder: UnitVocoder, data: VocoderData, config: UnitVocoderTrainingConfig) {
        self.vocoder = vocoder
        self.data = data
        batch = config.batch; window = config.window
        // The normalisation is data, not a parameter.
        vocoder.melMean.requiresGrad = false; vocoder.melStd.requiresGrad = false
    }

    public var name: String { "vocoder" }
    public var model: Module { vocoder }
    public func parameterGroups(weightDecay: Float) -> [ParameterGroup] {
        [ParameterGroup("all", vocoder.trainableParameters, weightDecay: weightDecay)]
    }

    public func loss(rng: inout SeededRandom) throws -> TaskLoss {
        let (w, b, m, f) = (window, batch, data.bins, data.framesPerUnit)
        let (ids, target) = data.windows(data.frameUnits, data.melRows, perItem: f * m, window: w, batch: b, rng: &rng)
        let prediction = try vocoder(ids, batch: b, frames: w)
        let loss = (prediction - Tensor(target, shape: [b, w * f, m])).abs().mean()
        return TaskLoss(total: loss, terms: ["l1": Double(loss.item)], tokens: b * w) {
            [.init("units", ids.prefix(24).map(String.init).joined(separator: " ") + " …")]
        }
    }

    public func describe() -> [(String, String)] {
        [("model", "unit vocoder, \(vocoder.config.layers) layers × \(vocoder.config.dim)"),
         ("data", "\(data.frameUnits.count) unit frames of the target voice; windows of \(window), batch \(batch)")]
    }
}

/// The duration predictor: MSE on log(1 + duration) of deduplicated unit windows.
public final class UnitDurationTask: GradientTask {
    public let predictor: UnitDurationPredictor
    let data: VocoderData
    let batch: Int, window: Int

    public init(predictor: UnitDurationPredictor, data: VocoderData, config: UnitVocoderTrainingConfig) {
        self.predictor = predictor
        self.data = data
        batch = config.batch; window = config.durationWindow
    }

    public var name: String { "durations" }
    public var model: Module { predictor }
    public func parameterGroups(weightDecay: Float) -> [ParameterGroup] {
        [ParameterGroup("all", predictor.trainableParameters, weightDecay: weightDecay)]
    }

    public func loss(rng: inout SeededRandom) throws -> TaskLoss {
        let (w, b) = (window, batch)
        let (ids, target) = data.windows(data.units, data.logDurations, perItem: 1, window: w, batch: b, rng: &rng)
        let loss = mseLoss(try predictor(ids, batch: b, length: w), Tensor(target, shape: [b, w]))
        return TaskLoss(total: loss, terms: ["mse": Double(loss.item)], tokens: b * w)
    }

    public func describe() -> [(String, String)] {
        [("model", "duration predictor"), ("data", "\(data.units.count) deduplicated units; windows of \(window), batch \(batch)")]
    }
}
