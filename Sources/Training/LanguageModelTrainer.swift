import Foundation
import Models
import NN
import Optim
import Tensor

/// Hyper-parameters of a language-model training run.
public struct LanguageModelTraining: Codable, Equatable, Sendable {
    public var batch = 8
    public var sequenceLength = 64
    public var learningRate: Float = 3e-3
    public var warmupSteps = 20
    public var totalSteps = 300
    public var weightDecay: Float = 0.01
    public var gradientClip: Float = 1
    /// Micro-batches whose gradients add up before one optimiser step.
    public var accumulation = 1
    public var seed: UInt64 = 0
    public init() {}
}

/// Trains a Llama-style model on a token stream: sampling, loss, clipping, AdamW, schedule.
/// Every random choice comes from `rng`, so a run restored from a checkpoint continues exactly.
public final class LanguageModelTrainer {
    public let model: LlamaModel
    public let data: TokenStream
    public let settings: LanguageModelTraining
    public let optimizer: AdamW
    public private(set) var schedule: WarmupCosine
    public var rng: SeededRandom

    public init(model: LlamaModel, data: TokenStream, settings: LanguageModelTraining) {
        self.model = model
        self.data = data
        self.settings = settings
        let params = model.trainableParameters
        optimizer = AdamW(params, learningRate: settings.learningRate, beta1: 0.9, beta2: 0.95,
                          weightDecay: settings.weightDecay,
                          noDecay: Set(params.filter { $0.1.rank < 2 }.map(\.0))) // norm weights and biases
        schedule = WarmupCosine(peak: settings.learningRate, warmupSteps: settings.warmupSteps,
                                totalSteps: settings.totalSteps, minRate: settings.learningRate * 0.1)
        rng = SeededRandom(seed: settings.seed &+ 1)
    }

    public var step: Int { optimizer.stepCount }

    /// Changes the schedule's peak rate (and its floor in proportion) from the next step on.
    public func setPeakLearningRate(_ rate: Float) {
        schedule.minRate = rate * 0.1
        schedule.peak = rate
    }

    /// One optimiser step over `accumulation` micro-batches.
    @discardableResult
    public func trainStep() -> StepReport {
        model.train()
        optimizer.zeroGrad()
        var total: Float = 0
        for _ in 0..<settings.accumulation {
            let batch = data.sampleBatch(batch: settings.batch, length: settings.sequenceLength, rng: &rng)
            let loss = model.languageModelLoss(batch, batch: settings.batch) * (1 / Float(settings.accumulation))
            loss.backward()
            total += loss.item
        }
        let params = optimizer.parameters.map(\.1)
        let norm = Gradients.clip(params, maxNorm: settings.gradientClip)
        optimizer.learningRate = schedule.rate(at: optimizer.stepCount)
        let rate = optimizer.learningRate
        Autograd.noGrad { optimizer.step() }
        return StepReport(step: optimizer.stepCount, losses: ["loss": Double(total)], gradNorm: Double(norm),
                          tokens: settings.batch * settings.sequenceLength * settings.accumulation, learningRate: Double(rate))
    }

    /// Mean loss over `batches` fixed evaluation batches (drawn from their own seed).
    public func evaluate(batches: Int = 4, seed: UInt64 = 12_345) -> Float {
        model.eval()
        defer { model.train() }
        var evalRng = SeededRandom(seed: seed)
        return Autograd.noGrad {
            var sum: Float = 0
            for _ in 0..<batches {
                let batch = data.sampleBatch(batch: settings.batch, length: settings.sequenceLength, rng: &evalRng)
                sum += model.languageModelLoss(batch, batch: settings.batch).item
            }
            return sum / Float(batches)
        }
    }
}
