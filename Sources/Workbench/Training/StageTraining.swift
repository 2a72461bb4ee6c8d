import Formats
import Foundation
import Training

/// `train <stage> …` and `load <stage> …` for an EchoX stage (S2T, T2C, Echo): the stage's job of the trainer
/// framework, with the same options in both (and on the command line: `echox train t2c --preset tiny --run DIR`).
struct StageTraining<Recipe: StageRecipe> {
    /// What the stage does, for `load` and `help train`.
    let summary: String
    /// What `train` says when the run is done (RUN: the run's path).
    let whenFinished: String
    /// Flags of the stage's own (`--conventional`), and how they change a recipe.
    var flags: [OptionSpec] = []
    var applyFlags: (_ recipe: inout Recipe, _ options: CommandOptions) throws -> Void = { _, _ in }
    /// The run a recipe trains into when none is named.
    var defaultRun: (Recipe) -> String = { "\(Recipe.stage)-\($0.preset)" }
    /// Finds the models and builds (or completes) the data of a recipe, then makes the job; the data
    /// preparation asks `shouldStop` between items (Ctrl-C stops it, keeping what was built).
    let makeJob: (_ recipe: Recipe, _ recipeFile: URL, _ runsRoot: URL, _ shouldStop: @escaping () -> Bool,
                  _ log: @escaping (String) -> Void) throws -> GradientTrainer

    var stage: String { Recipe.stage }
    var presets: String { Recipe.presetNames.joined(separator: "|") }
    var usage: String { "train \(stage) [preset=\(presets)] [config=FILE] [run=DIR] [steps=N]" + flags.map { " [\($0.name)=true]" }.joined() }
    var options: [OptionSpec] {
        [OptionSpec("preset", help: Recipe.presetNames.joined(separator: " or ") + " (the first a few-minute demo, the last the real stage)"),
         OptionSpec("config", help: "a recipe file (JSON; a run's \(Recipe.fileName) is one): keys it lacks come from its preset"),
         OptionSpec("run", help: "the run directory: a name under $ECHOX_HOME/runs or a path (default \(stage)-<preset>)"),
         OptionSpec("steps", help: "length of the schedule (the recipe's steps)")] + flags
    }

    /// Builds the stage's job (and whatever it needs and is missing), resumes its run when it has a
    /// checkpoint, and makes both the session's.
    func load(_ words: [String], in context: CommandContext) throws -> GradientTrainer {
        let parsed = try CommandOptions(words, specs: options, usage: usage)
        guard parsed.positional.isEmpty || (parsed.positional.count == 1 && parsed["run"] == nil) else { throw WorkbenchError.usage(usage) }
        if parsed["preset"] != nil && parsed["config"] != nil {
            throw WorkbenchError.invalidArgument("give preset= or config=, not both (a config names its own preset)")
        }
        var given: Recipe?
        if let preset = parsed["preset"] { given = try library { try Recipe.preset(preset) } }
        if let config = parsed["config"] { given = try library { try Recipe.read(URL(fileURLWithPath: config)) } }
        let steps = try parsed.int("steps", in: 1...1_000_000)
        let first = Recipe.presetNames[0]
        if given == nil && parsed["run"] == nil && parsed.positional.isEmpty { given = try library { try Recipe.preset(first) } }
        if var recipe = given {
            try applyFlags(&recipe, parsed)
            given = recipe
        }
        let runWord = parsed["run"] ?? parsed.positional.first ?? defaultRun(given!)
        let location = StageRun.location(runWord, runsRoot: context.state.runsRoot)
        if given == nil && !StageRun.isRun(location, of: Recipe.self) {
            throw WorkbenchError.invalidArgument("no \(stage.uppercased()) run at \(location.path): start one with preset=\(presets) or config=FILE (`run list` shows the runs)")
        }
        let run = try library { try StageRun.directory(runWord, runsRoot: context.state.runsRoot) }
        let recipe: Recipe = try library { try StageRun.recipe(of: run, given: given, steps: steps) }
        var flagged = recipe
        try applyFlags(&flagged, parsed)
        guard flagged == recipe else {
            throw WorkbenchError.invalidArgument("the run \(run.name) was made with other \(flags.map(\.name).joined(separator: "/")) settings (its \(Recipe.fileName)): leave them out to continue it, or train into a new run=")
        }
        let job = try build(recipe: recipe, recipeFile: run.url.appendingPathComponent(Recipe.fileName), context: context)
        context.state.closeMetrics()
        if run.hasCheckpoint {
            try library { try run.resume(job) }
            context.print("resuming run \(run.name) at step \(job.completedSteps) of \(recipe.steps)")
        }
        context.state.run = run
        context.state.job = job
        context.state.models["job"] = LoadedModel(kind: stage, source: run.url.path, object: job)
        return job
    }

    /// The job of a recipe, with the data preparation's progress shown.
    func build(recipe: Recipe, recipeFile: URL, context: CommandContext) throws -> GradientTrainer {
        let progress = context.progress("\(stage) data", total: nil)
        defer { progress.finish() }
        let runsRoot = context.state.runsRoot
        return try library { try makeJob(recipe, recipeFile, runsRoot, { context.isCancelled }) { progress.note($0) } }
    }

    /// Rebuilds the job of a run from its spec (for `load run`, `train resume=`).
    func rebuild(_ spec: JobSpec, context: CommandContext) throws -> TrainingJob {
        guard let path = spec.options["config"] else { throw WorkbenchError.failed("the run's job.json does not name its \(Recipe.fileName)") }
        let file = URL(fileURLWithPath: path)
        let recipe = try library { try Recipe.read(file) }
        return try build(recipe: recipe, recipeFile: file, context: context)
    }

    /// `train <stage> …`: trains the stage to the end of its schedule (Ctrl-C stops with its state saved).
    func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let start = Date()
        let job = try load(words, in: context)
        let run = context.state.run!
        if job.isFinished {
            context.print("run \(run.name) has finished its \(job.completedSteps) steps — \(whenFinished.replacingOccurrences(of: "RUN", with: run.url.path)); steps=N lengthens it")
            return .ok
        }
        context.print("train \(stage): \(job.describe().map { "\($0.0) \($0.1)" }.joined(separator: "; "))")
        let outcome = try ShellTraining.run(job, maxSteps: Int.max, context: context, label: stage)
        context.print(ShellTraining.summary(outcome, requested: nil) + (outcome.finished ? "" : " — the same command goes on from there"))
        context.print("run: \(run.url.path) (\(formatDuration(Date().timeIntervalSince(start))) with data preparation)")
        return CommandResult(wasInterrupted: outcome.interrupted)
    }

    /// `load <stage> RUN` or `load <stage> preset=…`: the stage as a steppable job.
    var loader: Loader {
        Loader(kind: stage, usage: "\(stage) [RUN] [preset=\(presets)] [config=FILE] [run=DIR] [steps=N]",
               summary: summary, argumentCompletion: .runName) { words, context in
            let job = try load(words, in: context)
            context.print("loaded \(stage) run \(context.state.run!.name) at step \(job.completedSteps); next: step, train for N, show sample")
            return .ok
        }
    }
}

extension StageTraining where Recipe: QuestionSourcedRecipe {
    /// `data <questions> [limit=N]` with this stage loaded: the run trains on other spoken questions. A run
    /// keeps one recipe, so that it resumes exactly; so this is for a run that has not stepped yet.
    func useQuestions(_ sources: [String], limit: Int?, in context: CommandContext) throws -> GradientTrainer {
        guard let run = context.state.run, let job = context.state.job, context.state.models["job"]?.kind == stage else {
            throw WorkbenchError.failed("no \(stage.uppercased()) job is loaded: `load \(stage) …` first")
        }
        guard job.completedSteps == 0 else {
            throw WorkbenchError.invalidArgument("the run \(run.name) has trained \(job.completedSteps) steps on its questions, and a run keeps its data so that it resumes exactly: start a new run (`load \(stage) preset=\(presets) run=NEW`), then `data …`")
        }
        let questions = try library { try S2TQuestions.texts(sources: sources, limit: limit, entityQuestions: 0, seed: 0) }
        let file = run.url.appendingPathComponent(Recipe.fileName)
        let kept = try library { try Recipe.read(file) }
        var recipe = kept
        recipe.useQuestions(sources, limit: limit)
        try library {
            try recipe.validate()
            try AtomicFile.write(try Recipe.encoded(recipe), to: file)
        }
        context.print("\(stage) questions: \(questions.count) from \(sources.joined(separator: ", ")) (the run's \(Recipe.fileName) now names them)")
        do {
            return try load([run.url.path], in: context)
        } catch {
            // The run goes on with the questions it had.
            try? AtomicFile.write(try Recipe.encoded(kept), to: file)
            throw error
        }
    }
}

/// The EchoX stages the shell trains.
enum EchoXStages {
    static let s2t = StageTraining<S2TRecipe>(
        summary: "EchoX stage I (speech → text answers) as a steppable job: step, train for N, show losses, show sample, plot ce",
        whenFinished: "`ask run=RUN …` uses it"
    ) { recipe, file, _, shouldStop, log in
        let stage = try S2TStage(recipe: recipe, log: log)
        stage.shouldStop = shouldStop
        return try stage.job(examples: try stage.examples(log: log), recipeFile: file)
    }

    static let t2c = StageTraining<T2CRecipe>(
        summary: "EchoX stage II (text → unit-language speech of the target voice) as a steppable job: step, train for N, show sample, plot ce",
        whenFinished: "Echo training starts from it"
    ) { recipe, file, _, shouldStop, log in
        let stage = try T2CStage(recipe: recipe, log: log)
        stage.shouldStop = shouldStop
        return try stage.job(examples: try stage.examples(log: log), recipeFile: file)
    }

    static let echo = StageTraining<EchoRecipe>(
        summary: "EchoX stage III (the LLM's hidden states → speech, learnt from its own echo) as a steppable job: step, train for N, show sample, plot echo",
        whenFinished: "`ask run=RUN … out=A.wav` speaks with it",
        flags: [OptionSpec("conventional", flag: true, help: "the ablation: annotated units of the target answers instead of echo targets")],
        applyFlags: { recipe, options in if try options.flag("conventional") { recipe.conventional = true } },
        defaultRun: { "\($0.conventional ? "conventional" : "echo")-\($0.preset)" }
    ) { recipe, file, runsRoot, shouldStop, log in
        let stage = try EchoStage(recipe: recipe, runsRoot: runsRoot, log: log)
        stage.shouldStop = shouldStop
        return try stage.job(examples: try stage.examples(log: log), recipeFile: file)
    }

    /// `data <questions>` for the loaded stage, by the stage's name.
    static let data: [String: (_ sources: [String], _ limit: Int?, _ context: CommandContext) throws -> GradientTrainer] = [
        "s2t": { try s2t.useQuestions($0, limit: $1, in: $2) },
        "t2c": { try t2c.useQuestions($0, limit: $1, in: $2) },
        "echo": { try echo.useQuestions($0, limit: $1, in: $2) },
    ]

    /// `train <stage> …` by the stage's name.
    static let byName: [String: (_ words: [String], _ context: CommandContext) throws -> CommandResult] = [
        "s2t": { try s2t.run($0, in: $1) },
        "t2c": { try t2c.run($0, in: $1) },
        "echo": { try echo.run($0, in: $1) },
    ]
}
