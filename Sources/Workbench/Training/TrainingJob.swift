import Foundation
import Training

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
