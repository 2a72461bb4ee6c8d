import Foundation

/// What one optimisation step reports.
public struct StepReport: Sendable {
    /// The step number just finished (1-based).
    public var step: Int
    /// Named losses (`loss` is the total the shell shows first).
    public var losses: [String: Double]
    /// Global gradient norm before clipping, when known.
    public var gradNorm: Double?
    /// Tokens (or examples) processed by the step.
    public var tokens: Int
    /// Learning rate used by the step.
    public var learningRate: Double?

    public init(step: Int, losses: [String: Double], gradNorm: Double? = nil, tokens: Int = 0, learningRate: Double? = nil) {
        self.step = step
        self.losses = losses
        self.gradNorm = gradNorm
        self.tokens = tokens
        self.learningRate = learningRate
    }

    /// Flat metric record: losses plus grad_norm, tokens and lr.
    public var metrics: [String: Double] {
        var all = losses
        if let gradNorm { all["grad_norm"] = gradNorm }
        all["tokens"] = Double(tokens)
        if let learningRate { all["lr"] = learningRate }
        return all
    }

    /// Losses first (`loss` leading), then grad norm, for progress lines.
    public var headline: [(String, Double)] {
        var items = losses.sorted { ($0.key == "loss" ? "" : $0.key) < ($1.key == "loss" ? "" : $1.key) }.map { ($0.key, $0.value) }
        if let gradNorm { items.append(("grad", gradNorm)) }
        return items
    }
}

/// A training job the shell can step: every trainer exposes itself through this, so `step`,
/// `train for`, `train until` and `show losses` work for all of them without a second loop.
public protocol TrainingJob: AnyObject {
    /// Short name used for run directories (`s2t`, `echo`, `demo-regression`).
    var name: String { get }
    /// Steps completed so far (resumes count from the checkpoint).
    var completedSteps: Int { get }
    /// Runs one optimisation step.
    func step() throws -> StepReport
    /// Lines for `show params` (shapes, parameter counts, hyper-parameters).
    func describe() -> [(String, String)]
    /// Called before a batch of steps so the job can pick up `set lr …` and the like.
    func apply(settings: Settings) throws
    /// Writes a checkpoint into the run directory (jobs without checkpoints do nothing).
    func checkpoint(to run: RunDirectory) throws
}

extension TrainingJob {
    public func apply(settings: Settings) throws {}
    public func checkpoint(to run: RunDirectory) throws {}
}
