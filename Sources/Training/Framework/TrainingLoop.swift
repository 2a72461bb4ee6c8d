import Foundation

/// How a run of steps ended.
public struct TrainingOutcome {
    public var stepsRun = 0
    public var last: StepReport?
    public var interrupted = false
    public var conditionMet = false
    /// The job had nothing left to do.
    public var finished = false
    public init() {}
}

/// The one loop that steps every job: logs each step to the run's `metrics.jsonl`, checkpoints the
/// trainable state every `checkpointEvery` steps and whenever it stops, and stops at step boundaries.
public enum TrainingLoop {
    public struct Options {
        public var maxSteps: Int
        public var until: StopCondition?
        /// Steps between checkpoints (0: only when the loop stops).
        public var checkpointEvery: Int
        public init(maxSteps: Int, until: StopCondition? = nil, checkpointEvery: Int = 0) {
            self.maxSteps = maxSteps; self.until = until; self.checkpointEvery = checkpointEvery
        }
    }

    /// Runs up to `maxSteps` steps, until the condition holds, the job is finished or `shouldStop`
    /// says so; `onStep` sees each report with the number of steps run so far.
    public static func run(_ job: TrainingJob, in run: RunDirectory, log: MetricsLog, options: Options,
                           shouldStop: () -> Bool = { false }, onStep: (StepReport, Int) -> Void = { _, _ in }) throws -> TrainingOutcome {
        var outcome = TrainingOutcome()
        var unsaved = 0
        while outcome.stepsRun < options.maxSteps {
            if job.isFinished { outcome.finished = true; break }
            if shouldStop() { outcome.interrupted = true; break }
            let report = try job.step()
            outcome.stepsRun += 1
            outcome.last = report
            unsaved += 1
            var metrics = report.metrics
            try log.append(MetricsRecord(step: report.step, values: metrics))
            if options.checkpointEvery > 0 && report.step % options.checkpointEvery == 0 {
                try run.saveCheckpoint(of: job); unsaved = 0
            }
            onStep(report, outcome.stepsRun)
            metrics["step"] = Double(report.step)
            if let condition = options.until, condition.isMet(by: metrics) { outcome.conditionMet = true; break }
        }
        if !outcome.finished && job.isFinished { outcome.finished = true }
        if unsaved > 0 { try run.saveCheckpoint(of: job) }
        return outcome
    }
}
