import Foundation

// MARK: - step

/// `step [n]`: runs n optimisation steps (default 1) of the loaded job and prints each report.
public final class StepCommand: WorkbenchCommand {
    public let name = "step"
    public let usage = "step [n]"
    public let summary = "run n training steps of the loaded job (default 1), showing each step's losses"
    public let arguments = [ArgumentSpec("n", optional: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard let job = context.state.job else { throw WorkbenchError.noJob }
        let count = try words.first.map { try parsePositive($0, what: "step count") } ?? 1
        let outcome = try ShellTraining.run(job, maxSteps: count, context: context, label: "step")
        // The final progress line already shows the last step's losses.
        if outcome.interrupted || outcome.finished { context.print(ShellTraining.summary(outcome, requested: count)) }
        return CommandResult(wasInterrupted: outcome.interrupted)
    }
}

// MARK: - train

/// `train for <n>` and `train until <metric><op><value>` over the loaded job (or a resumed run).
public final class TrainCommand: WorkbenchCommand {
    public let name = "train"
    public let usage = "train [resume=RUN] [run=NAME] for <steps> | until <metric><op><value> | train s2t|t2c|echo [preset=tiny|smollm2] [config=FILE] [run=DIR] [steps=N]"
    public let summary = "train the loaded job for a number of steps or until a metric condition holds (Ctrl-C stops; checkpoints into the run)"
    public let help = """
        train for <steps>                 run that many steps
        train until <metric><op><value>   run until e.g. loss<0.01 or step>=400 (op: < <= > >=), at most train.max_steps steps
        resume=RUN                        first continue the run RUN from its checkpoint (as `load run RUN`)
        run=NAME                          log into the run NAME (made when missing) instead of the current one
        train s2t [preset=…] [config=FILE] [run=DIR] [steps=N]
                                          EchoX stage I: builds what it lacks (models, spoken questions,
                                          the text LLM's answers, Whisper states), then trains to the end
                                          of the schedule; run again to continue (`load s2t RUN` to step)
        train t2c [preset=tiny|smollm2] [config=FILE] [run=DIR] [steps=N]
                                          EchoX stage II: the text LLM's answers spoken by the units
                                          model's target voice, as unit-language words; same behaviour
        train echo [preset=tiny|smollm2] [config=FILE] [run=DIR] [steps=N] [conventional=true]
                                          EchoX stage III from the trained S2T and T2C runs: the Echo
                                          decoder learns the speech of the model's own answers (echo
                                          targets); `conventional=true` learns annotated units instead
        Every step is appended to metrics.jsonl in the run; its trainable state is checkpointed every
        train.checkpoint_every steps and whenever training stops, so `load run NAME` (or `echox train
        --resume NAME for N`) continues it exactly. Ctrl-C stops at the next step boundary.
        """
    public let options = [OptionSpec("resume", help: "continue this run from its checkpoint"),
                          OptionSpec("run", help: "the run directory to log and checkpoint into")]
    public let arguments = [ArgumentSpec("for|until|s2t|t2c|echo", completion: .words(["for", "until", "resume=", "run=", "s2t", "t2c", "echo"])),
                            ArgumentSpec("value", variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        if let first = words.first, let stage = EchoXStages.byName[first] { return try stage(Array(words.dropFirst()), context) }
        let parsed = try CommandOptions(words, specs: options, usage: usage)
        let rest = parsed.positional
        guard rest.count >= 2, ["for", "until"].contains(rest[0]) else { throw WorkbenchError.usage(usage) }
        if let name = parsed["resume"] { try ShellTraining.resume(run: name, context: context) }
        if let name = parsed["run"] { context.state.run = try RunDirectory(name: name, root: context.state.runsRoot) }
        guard let job = context.state.job else { throw WorkbenchError.noJob }
        let outcome: TrainingOutcome
        let requested: Int?
        if rest[0] == "for" {
            guard rest.count == 2 else { throw WorkbenchError.usage(usage) }
            let steps = try parsePositive(rest[1], what: "step count")
            requested = steps
            outcome = try ShellTraining.run(job, maxSteps: steps, context: context)
        } else {
            let text = rest.dropFirst().joined(separator: " ")
            let condition = try library { try StopCondition(parsing: text) }
            requested = nil
            let limit = context.state.settings.int("train.max_steps") ?? 1_000_000
            outcome = try ShellTraining.run(job, maxSteps: limit, until: condition, context: context)
            if !outcome.conditionMet && !outcome.interrupted && !outcome.finished {
                context.print("condition \(text) not met within train.max_steps = \(limit)")
            }
        }
        context.print(ShellTraining.summary(outcome, requested: requested))
        if let run = context.state.run { context.print("metrics: \(run.metricsURL.path)") }
        return CommandResult(wasInterrupted: outcome.interrupted)
    }
}

// MARK: - run

/// `run use|new <name>`, `run list`: selects the run directory metrics and plots go to.
public final class RunCommand: WorkbenchCommand {
    public let name = "run"
    public let usage = "run use <name> | run new <name> | run list"
    public let summary = "select, create or list run directories ($ECHOX_HOME/runs/<name>)"
    public let arguments = [ArgumentSpec("use|new|list", completion: .words(["list", "new", "use"])),
                            ArgumentSpec("name", completion: .runName, optional: true)]
    public init() {}

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        index == 1 && previous.first == "new" ? .none : defaultCompletion(forArgument: index)
    }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let state = context.state
        switch (words.first, words.count) {
        case ("list", 1):
            let names = state.runNames()
            context.print(names.isEmpty ? "no runs in \(state.runsRoot.path)" : names.map { $0 == state.run?.name ? "* \($0)" : "  \($0)" }.joined(separator: "\n"))
        case ("use", 2):
            guard state.runNames().contains(words[1]) else {
                throw WorkbenchError.invalidArgument("no run named '\(words[1])' in \(state.runsRoot.path) — `run list` shows them, `run new \(words[1])` makes it")
            }
            state.run = try library { try RunDirectory(name: words[1], root: state.runsRoot) }
            context.print("run: \(state.run!.url.path)")
        case ("new", 2):
            if state.runNames().contains(words[1]) {
                throw WorkbenchError.invalidArgument("run '\(words[1])' exists — `run use \(words[1])` continues it, or pick another name")
            }
            state.run = try library { try RunDirectory(name: words[1], root: state.runsRoot) }
            context.print("run: \(state.run!.url.path)")
        default:
            throw WorkbenchError.usage(usage)
        }
        return .ok
    }
}

/// Parses a whole number ≥ 1.
func parsePositive(_ text: String, what: String) throws -> Int {
    guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= 1 else {
        throw WorkbenchError.invalidArgument("\(what) must be a whole number ≥ 1, not '\(text)'")
    }
    return value
}
