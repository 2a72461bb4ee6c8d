import Foundation
import NN
import Optim
import Tensor

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
    public var seed: UInt64 = 0
    public var logInterval = 50
    public var checkpointInterval = 200
    public init() {}
}

/// Trains a `UnitVocoder` (L1 on normalised log-mel) and a `UnitDurationPredictor` (MSE on
/// log(1 + duration)) on random windows of the concatenated target-voice utterances.
public struct UnitVocoderTrainer {
    public let config: UnitVocoderTrainingConfig
    let frameUnits: [Int32]       // [N] all utterances joined
    let melRows: [Float]          // [framesPerUnit·N, bins], normalised
    let units: [Int32]            // deduplicated, joined
    let logDurations: [Float]
    let bins: Int, framesPerUnit: Int

    public init(config: UnitVocoderTrainingConfig, utterances: [VocoderUtterance], vocoder: UnitVocoder) throws {
        self.config = config
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
            throw UnitsModelError("only \(joinedUnits.count) unit frames of target-voice speech: the vocoder needs at least \(config.window); add target-voice utterances to the corpus")
        }
        vocoder.setNormalization(logMel: joinedMel, bins: bins)
        for r in 0..<(joinedMel.count / bins) {
            for j in 0..<bins { joinedMel[r * bins + j] = (joinedMel[r * bins + j] - vocoder.melMean.data[j]) / vocoder.melStd.data[j] }
        }
        frameUnits = joinedUnits; melRows = joinedMel; units = dedupUnits; logDurations = logs
    }

    /// Trains the vocoder (up to step `until`, default `config.steps`); `stateURL` makes it resumable.
    /// When `shouldStop` says so at a step boundary, saves the state and throws `UnitsTrainingStopped`.
    public func trainVocoder(_ vocoder: UnitVocoder, stateURL: URL?, until: Int? = nil, shouldStop: () -> Bool = { false },
                             log: (String) -> Void) throws {
        let optimizer = AdamW(vocoder.trainableParameters.filter { !$0.0.hasPrefix("mel") }, learningRate: config.peakLearningRate, weightDecay: 0)
        var rng = SeededRandom(seed: config.seed &+ 11)
        let (mean, std) = (vocoder.melMean.copy(), vocoder.melStd.copy())
        if let stateURL, try UnitsTrainingState.load(model: vocoder, optimizer: optimizer, rng: &rng, from: stateURL) {
            log("vocoder: resumed at step \(optimizer.stepCount)")
        } else {
            vocoder.melMean.data.update(from: mean.data, count: mean.count)
            vocoder.melStd.data.update(from: std.data, count: std.count)
        }
        vocoder.melMean.requiresGrad = false; vocoder.melStd.requiresGrad = false
        let schedule = WarmupCosine(peak: config.peakLearningRate, warmupSteps: min(50, max(1, config.steps / 5)), totalSteps: config.steps,
                                    minRate: config.peakLearningRate * 0.05)
        let (w, b, m, f) = (config.window, config.batch, bins, framesPerUnit)
        var lossSum: Float = 0, count = 0, clock = Date()
        let last = min(until ?? config.steps, config.steps)
        while optimizer.stepCount < last {
            if shouldStop() {
                try UnitsTrainingState.stop(model: vocoder, optimizer: optimizer, rng: rng, stateURL: stateURL,
                                            at: "vocoder step \(optimizer.stepCount)/\(config.steps)")
            }
            var ids: [Int32] = [], target: [Float] = []
            for _ in 0..<b {
                let start = rng.int(below: frameUnits.count - w + 1)
                ids += frameUnits[start..<(start + w)]
                target += melRows[(start * f * m)..<((start + w) * f * m)]
            }
            optimizer.learningRate = schedule.rate(at: optimizer.stepCount)
            let prediction = try vocoder(ids, batch: b, frames: w)
            let loss = (prediction - Tensor(target, shape: [b, w * f, m])).abs().mean()
            optimizer.zeroGrad()
            loss.backward()
            _ = Gradients.clip(optimizer.parameters.map(\.1), maxNorm: 1)
            optimizer.step()
            lossSum += loss.item; count += 1
            let step = optimizer.stepCount
            if step % config.logInterval == 0 || step == config.steps {
                log(String(format: "vocoder: step %d/%d  l1 %.4f  %.1f steps/s", step, config.steps,
                           lossSum / Float(max(count, 1)), Double(count) / max(Date().timeIntervalSince(clock), 1e-3)))
                lossSum = 0; count = 0; clock = Date()
            }
            if let stateURL, step % config.checkpointInterval == 0 || step == last {
                try UnitsTrainingState.save(model: vocoder, optimizer: optimizer, rng: rng, to: stateURL)
            }
        }
        vocoder.eval()
    }

    /// Trains the duration predictor; `stateURL` makes it resumable, `shouldStop` as for the vocoder.
    public func trainDurations(_ predictor: UnitDurationPredictor, stateURL: URL?, shouldStop: () -> Bool = { false },
                               log: (String) -> Void) throws {
        let optimizer = AdamW(predictor.trainableParameters, learningRate: config.peakLearningRate, weightDecay: 0)
        var rng = SeededRandom(seed: config.seed &+ 23)
        if let stateURL, try UnitsTrainingState.load(model: predictor, optimizer: optimizer, rng: &rng, from: stateURL) {
            log("durations: resumed at step \(optimizer.stepCount)")
        }
        let schedule = WarmupCosine(peak: config.peakLearningRate, warmupSteps: min(50, max(1, config.durationSteps / 5)), totalSteps: config.durationSteps,
                                    minRate: config.peakLearningRate * 0.05)
        let (w, b) = (config.durationWindow, config.batch)
        var lossSum: Float = 0, count = 0
        while optimizer.stepCount < config.durationSteps {
            if shouldStop() {
                try UnitsTrainingState.stop(model: predictor, optimizer: optimizer, rng: rng, stateURL: stateURL,
                                            at: "durations step \(optimizer.stepCount)/\(config.durationSteps)")
            }
            var ids: [Int32] = [], target: [Float] = []
            for _ in 0..<b {
                let start = rng.int(below: units.count - w + 1)
                ids += units[start..<(start + w)]
                target += logDurations[start..<(start + w)]
            }
            optimizer.learningRate = schedule.rate(at: optimizer.stepCount)
            let loss = mseLoss(try predictor(ids, batch: b, length: w), Tensor(target, shape: [b, w]))
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            lossSum += loss.item; count += 1
            let step = optimizer.stepCount
            if step % config.logInterval == 0 || step == config.durationSteps {
                log(String(format: "durations: step %d/%d  mse %.4f", step, config.durationSteps, lossSum / Float(max(count, 1))))
                lossSum = 0; count = 0
            }
            if let stateURL, step % config.checkpointInterval == 0 || step == config.durationSteps {
                try UnitsTrainingState.save(model: predictor, optimizer: optimizer, rng: rng, to: stateURL)
            }
        }
    }
}
