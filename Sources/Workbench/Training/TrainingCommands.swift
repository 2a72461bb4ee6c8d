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
        let outcome = try TrainingLoop.run(job, maxSteps: count, context: context, label: "step")
        // The final progress line already shows the last step's losses.
        if outcome.interrupted { context.print(TrainingLoop.summary(outcome, requested: count)) }
        return CommandResult(wasInterrupted: outcome.interrupted)
    }
}

// MARK: - train

/// `train for <n>` and `train until <metric><op><value>` over the loaded job.
public final class TrainCommand: WorkbenchCommand {
    public let name = "train"
    public let usage = "train for <steps> | train until <metric><op><value>"
    public let summary = "train the loaded job for a number of steps or until a metric condition holds (Ctrl-C stops)"
    public let help = """
        train for <steps>                 run that many steps
        train until <metric><op><value>   run until e.g. loss<0.01 (op: < <= > >=), at most train.max_steps steps
        Every step is appended to metrics.jsonl in the current run (see `run`); Ctrl-C stops at the next step boundary.
        """
    public let arguments = [ArgumentSpec("for|until", completion: .words(["for", "until"])),
                            ArgumentSpec("value", variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard words.count >= 2, ["for", "until"].contains(words[0]) else { throw WorkbenchError.usage(usage) }
        guard let job = context.state.job else { throw WorkbenchError.noJob }
        let outcome: TrainingOutcome
        let requested: Int?
        switch words[0] {
        case "for":
            guard words.count == 2 else { throw WorkbenchError.usage(usage) }
            let steps = try parsePositive(words[1], what: "step count")
            requested = steps
            outcome = try TrainingLoop.run(job, maxSteps: steps, context: context)
        case "until":
            let condition = try StopCondition(parsing: words.dropFirst().joined(separator: " "))
            requested = nil
            let limit = context.state.settings.int("train.max_steps") ?? 1_000_000
            outcome = try TrainingLoop.run(job, maxSteps: limit, until: condition, context: context)
            if !outcome.conditionMet && !outcome.interrupted {
                context.print("condition \(words.dropFirst().joined()) not met within train.max_steps = \(limit)")
            }
        default:
            throw WorkbenchError.usage(usage)
        }
        context.print(TrainingLoop.summary(outcome, requested: requested))
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
            state.run = try RunDirectory(name: words[1], root: state.runsRoot)
            context.print("run: \(state.run!.url.path)")
        case ("new", 2):
            if state.runNames().contains(words[1]) {
                throw WorkbenchError.invalidArgument("run '\(words[1])' exists — `run use \(words[1])` continues it, or pick another name")
            }
            state.run = try RunDirectory(name: words[1], root: state.runsRoot)
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
