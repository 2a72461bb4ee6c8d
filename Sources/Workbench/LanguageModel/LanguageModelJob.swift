import Foundation
import Models
import Training

/// The shell's view of a language-model training run: `step`, `train` and `show` drive it.
public final class LanguageModelJob: TrainingJob {
    public let trainer: LanguageModelTrainer
    public let source: String

    public init(trainer: LanguageModelTrainer, source: String) {
        self.trainer = trainer
        self.source = source
    }

    public var name: String { "lm" }
    public var completedSteps: Int { trainer.step }

    public func step() throws -> StepReport { trainer.trainStep() }

    public func describe() -> [(String, String)] {
        let c = trainer.model.config
        let s = trainer.settings
        return [
            ("model", "Llama \(c.layers) layers × \(c.dim) wide, \(c.heads)/\(c.kvHeads) heads, vocabulary \(c.vocabSize)"),
            ("parameters", "\(trainer.model.parameterCount) (\(trainer.model.trainableParameters.reduce(0) { $0 + $1.1.count }) trainable)"),
            ("data", "\(source): \(trainer.data.tokens.count) tokens"),
            ("batch", "\(s.batch) × \(s.sequenceLength) tokens, accumulation \(s.accumulation)"),
            ("schedule", "peak lr \(s.learningRate), warmup \(s.warmupSteps), cosine to step \(s.totalSteps)"),
        ]
    }

    /// `set lr …` changes the peak learning rate of the schedule from the next step on.
    public func apply(settings: Settings) throws {
        if let lr = settings.double("lr") { trainer.setPeakLearningRate(Float(lr)) }
    }

    public func checkpoint(to run: RunDirectory) throws {
        try trainer.saveCheckpoint(to: run.url.appendingPathComponent("checkpoint.safetensors"))
    }
}
