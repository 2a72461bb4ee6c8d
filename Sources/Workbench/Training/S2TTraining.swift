import Foundation
import Training

/// `train s2t …` and `load s2t …`: EchoX stage I as a job of the trainer framework, with the same
/// options in both (and on the command line: `echox train s2t --preset tiny --run DIR`).
enum S2TTraining {
    static let usage = "train s2t [preset=tiny|smollm2] [config=FILE] [run=DIR] [steps=N]"
    static let options = [
        OptionSpec("preset", help: "tiny (a few minutes, a teaching demo) or smollm2 (the real stage)"),
        OptionSpec("config", help: "a recipe file (JSON; a run's s2t.json is one): keys it lacks come from its preset"),
        OptionSpec("run", help: "the run directory: a name under $ECHOX_HOME/runs or a path (default s2t-<preset>)"),
        OptionSpec("steps", help: "length of the schedule (the recipe's steps)"),
    ]

    /// Builds the stage's job (and whatever it needs and is missing), resumes its run when it has a
    /// checkpoint, and makes both the session's.
    static func load(_ words: [String], in context: CommandContext) throws -> GradientTrainer {
        let parsed = try CommandOptions(words, specs: options, usage: usage)
        guard parsed.positional.isEmpty || (parsed.positional.count == 1 && parsed["run"] == nil) else { throw WorkbenchError.usage(usage) }
        if parsed["preset"] != nil && parsed["config"] != nil {
            throw WorkbenchError.invalidArgument("give preset= or config=, not both (a config names its own preset)")
        }
        var given: S2TRecipe?
        if let preset = parsed["preset"] { given = try library { try S2TRecipe.preset(preset) } }
        if let config = parsed["config"] { given = try library { try S2TRecipe.read(URL(fileURLWithPath: config)) } }
        let steps = try parsed.int("steps", in: 1...1_000_000)
        let runWord = parsed["run"] ?? parsed.positional.first ?? "s2t-\(given?.preset ?? "tiny")"
        if given == nil && parsed["run"] == nil && parsed.positional.isEmpty { given = try library { try S2TRecipe.preset("tiny") } }
        if given == nil && !S2TRun.isRun(S2TRun.location(runWord, runsRoot: context.state.runsRoot)) {
            throw WorkbenchError.invalidArgument("no S2T run at \(S2TRun.location(runWord, runsRoot: context.state.runsRoot).path): start one with preset=tiny|smollm2 or config=FILE (`run list` shows the runs)")
        }
        let run = try library { try S2TRun.directory(runWord, runsRoot: context.state.runsRoot) }
        let recipe = try library { try S2TRun.recipe(of: run, given: given, steps: steps) }
        let job = try build(recipe: recipe, recipeFile: run.url.appendingPathComponent(S2TRun.recipeFileName), context: context)
        context.state.closeMetrics()
        if run.hasCheckpoint {
            try library { try run.resume(job) }
            context.print("resuming run \(run.name) at step \(job.completedSteps) of \(recipe.steps)")
        }
        context.state.run = run
        context.state.job = job
        context.state.models["job"] = LoadedModel(kind: "s2t", source: run.url.path, object: job)
        return job
    }

    /// The job of a recipe: models found or fetched, data built or completed.
    static func build(recipe: S2TRecipe, recipeFile: URL, context: CommandContext) throws -> GradientTrainer {
        let progress = context.progress("s2t data", total: nil)
        defer { progress.finish() }
        let log: (String) -> Void = { progress.note($0) }
        let stage = try library { try S2TStage(recipe: recipe, log: log) }
        let examples = try library { try stage.examples(log: log) }
        return try library { try stage.job(examples: examples, recipeFile: recipeFile) }
    }

    /// Rebuilds the job of an S2T run from its spec (for `load run`, `train resume=`).
    static func rebuild(_ spec: JobSpec, context: CommandContext) throws -> TrainingJob {
        guard let path = spec.options["config"] else { throw WorkbenchError.failed("the run's job.json does not name its s2t.json") }
        let file = URL(fileURLWithPath: path)
        let recipe = try library { try S2TRecipe.read(file) }
        return try build(recipe: recipe, recipeFile: file, context: context)
    }

    /// `train s2t …`: trains the stage to the end of its schedule (Ctrl-C stops with its state saved).
    static func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let start = Date()
        let job = try load(words, in: context)
        let run = context.state.run!
        if job.isFinished {
            context.print("run \(run.name) has finished its \(job.completedSteps) steps — `ask run=\(run.url.path) …` uses it; steps=N lengthens it")
            return .ok
        }
        context.print("train s2t: \(job.describe().map { "\($0.0) \($0.1)" }.joined(separator: "; "))")
        let outcome = try ShellTraining.run(job, maxSteps: Int.max, context: context, label: "s2t")
        context.print(ShellTraining.summary(outcome, requested: nil) + (outcome.finished ? "" : " — the same command goes on from there"))
        context.print("run: \(run.url.path) (\(formatDuration(Date().timeIntervalSince(start))) with data preparation)")
        return CommandResult(wasInterrupted: outcome.interrupted)
    }

    /// `load s2t RUN` or `load s2t preset=…`: the stage as a steppable job.
    static let loader = Loader(
        kind: "s2t", usage: "s2t [RUN] [preset=tiny|smollm2] [config=FILE] [run=DIR] [steps=N]",
        summary: "EchoX stage I (speech → text answers) as a steppable job: step, train for N, show losses, show sample, plot ce",
        argumentCompletion: .runName
    ) { words, context in
        let job = try load(words, in: context)
        context.print("loaded s2t run \(context.state.run!.name) at step \(job.completedSteps); next: step, train for N, show sample")
        return .ok
    }
}
