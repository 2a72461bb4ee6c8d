import Foundation

/// The shell's side of the trainer framework: runs `TrainingLoop` with a progress line, Ctrl-C,
/// the run directory and the checkpoint interval of the session, and resumes runs.
public enum ShellTraining {
    /// Steps `job` in the current run (one named after the job is made when none is current).
    public static func run(_ job: TrainingJob, maxSteps: Int, until condition: StopCondition? = nil,
                           context: CommandContext, label: String = "train") throws -> TrainingOutcome {
        let state = context.state
        try library { try job.apply(settings: state.settings.chosen) }
        let run = try state.ensureRun(prefix: job.name)
        let log = state.metricsLog(for: run)
        let progress = context.progress(label, total: condition == nil && maxSteps < Int(Int32.max) ? maxSteps : nil)
        defer { progress.finish() }
        let options = TrainingLoop.Options(maxSteps: maxSteps, until: condition,
                                           checkpointEvery: state.settings.int("train.checkpoint_every") ?? 50)
        let outcome = try library {
            try TrainingLoop.run(job, in: run, log: log, options: options, shouldStop: { context.isCancelled }) { report, done in
                for note in report.notes { progress.note(note) }
                progress.update(done: done, step: report.step, metrics: report.headline)
            }
        }
        if let last = outcome.last {
            progress.update(done: outcome.stepsRun, step: last.step, metrics: last.headline, force: true)
        }
        state.lastOutputs["metrics"] = run.metricsURL.path
        return outcome
    }

    /// Rebuilds the job of run `name` from its `job.json`, restores its checkpoint and makes both current.
    public static func resume(run name: String, context: CommandContext) throws {
        let state = context.state
        guard state.runNames().contains(name) else {
            throw WorkbenchError.invalidArgument("no run named '\(name)' in \(state.runsRoot.path) — `run list` shows them")
        }
        let run = try library { try RunDirectory(name: name, root: state.runsRoot) }
        let spec = try library { try run.readSpec() }
        guard let build = JobBuilders.all[spec.kind] else {
            throw WorkbenchError.failed("run \(name) trains a '\(spec.kind)' job, which this workbench cannot rebuild (known: \(JobBuilders.all.keys.sorted().joined(separator: ", ")))")
        }
        let job = try build(spec, context)
        state.closeMetrics()
        try library { try run.resume(job) }
        state.job = job
        state.run = run
        context.print("resumed run \(name) at step \(job.completedSteps) (\(spec.kind)); next: step, train for N")
    }

    /// `load run NAME`: the job of a run, at its checkpoint.
    public static let runLoader = Loader(
        kind: "run", usage: "run NAME", summary: "continue the run NAME ($ECHOX_HOME/runs/NAME) from its checkpoint: its job, exactly where it stopped",
        argumentCompletion: .runName
    ) { words, context in
        guard words.count == 1 else { throw WorkbenchError.usage("load run NAME") }
        try resume(run: words[0], context: context)
        return .ok
    }

    /// A one-line summary printed after the loop.
    public static func summary(_ outcome: TrainingOutcome, requested: Int?) -> String {
        let at = outcome.last.map { "step \($0.step)" } ?? "no step"
        let losses = outcome.last?.headline.map { "\($0.0) \(formatNumber($0.1))" }.joined(separator: ", ") ?? ""
        if outcome.interrupted {
            let left = requested.map { ", \($0 - outcome.stepsRun) of \($0) steps not run" } ?? ""
            return "interrupted: stopped at a step boundary after \(at) (\(outcome.stepsRun) steps this time\(left)); its state is saved; \(losses)"
        }
        if outcome.conditionMet { return "condition met at \(at) after \(outcome.stepsRun) steps; \(losses)" }
        if outcome.finished { return "the job is finished (\(at), \(outcome.stepsRun) steps this time); \(losses)" }
        return "ran \(outcome.stepsRun) steps, now at \(at); \(losses)"
    }
}

/// How each kind of job is rebuilt from the spec its run keeps (for `load run`, `train resume=`).
public enum JobBuilders {
    public typealias Builder = (JobSpec, CommandContext) throws -> TrainingJob
    public static let all: [String: Builder] = [
        "lm": LanguageModelCommands.rebuild,
        "units": UnitsTraining.rebuild,
        "s2t": EchoXStages.s2t.rebuild,
        "t2c": EchoXStages.t2c.rebuild,
        "echo": EchoXStages.echo.rebuild,
    ]
}
