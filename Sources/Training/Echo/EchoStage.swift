import Foundation
import Formats
import Models
import NN
import Tensor
import Units

/// EchoX stage III from a recipe: the trained S2T run (its speech model, LoRA and spoken questions),
/// the trained T2C run (the frozen labeller, the Echo decoder's start, the annotated units of the
/// target answers), and the job of the trainer framework.
public final class EchoStage {
    public let recipe: EchoRecipe
    public let s2tRun: URL
    public let t2cRun: URL
    public let s2t: S2TStage
    public let t2c: T2CStage

    /// Finds both runs; each must have a checkpoint (the error names the command that trains it).
    public init(recipe: EchoRecipe, runsRoot: URL = EchoXHome.runs, fetch: Bool = true, log: (String) -> Void = { _ in }) throws {
        try recipe.validate()
        self.recipe = recipe
        s2tRun = EchoXHome.location(recipe.s2t, under: runsRoot)
        t2cRun = EchoXHome.location(recipe.t2c, under: runsRoot)
        try Self.requireTrained(s2tRun, stage: S2TRecipe.self, preset: recipe.preset)
        try Self.requireTrained(t2cRun, stage: T2CRecipe.self, preset: recipe.preset)
        var s2tRecipe = try S2TRecipe.read(s2tRun.appendingPathComponent(S2TRecipe.fileName))
        var t2cRecipe = try T2CRecipe.read(t2cRun.appendingPathComponent(T2CRecipe.fileName))
        if let questions = recipe.questions {
            // Other questions, spoken by the S2T run's voices, with the annotated units of their answers.
            s2tRecipe.useQuestions(questions, limit: nil)
            t2cRecipe.useQuestions(questions, limit: nil)
        }
        s2t = try S2TStage(recipe: s2tRecipe, fetch: fetch, log: log)
        t2c = try T2CStage(recipe: t2cRecipe, fetch: fetch, log: log)
        guard s2t.llmFile.standardizedFileURL == t2c.llmFile.standardizedFileURL else {
            throw TrainingError("the S2T run speaks \(s2t.llmFile.lastPathComponent) but the T2C run reads \(t2c.llmFile.lastPathComponent): train T2C with the S2T run's `llm`")
        }
    }

    static func requireTrained<R: StageRecipe>(_ run: URL, stage: R.Type, preset: String) throws {
        let command = "`echox train \(R.stage) --preset \(R.presetNames.contains(preset) ? preset : R.presetNames[0]) --run \(run.path)`"
        guard StageRun.isRun(run, of: R.self) else {
            throw TrainingError("Echo training starts from a trained \(R.stage.uppercased()) run, and \(run.path) is none: train it with \(command), or set `\(R.stage)` in the Echo config")
        }
        guard FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoint.safetensors").path) else {
            throw TrainingError("the \(R.stage.uppercased()) run \(run.path) has no checkpoint yet: train it with \(command)")
        }
    }

    // MARK: - Data

    /// Asked between the items of both stages' data preparation (Ctrl-C): true stops it, keeping what was built.
    public var shouldStop: () -> Bool {
        get { s2t.shouldStop }
        set { s2t.shouldStop = newValue; t2c.shouldStop = newValue }
    }

    /// The S2T run's spoken questions, each with the annotated units of its target answer when T2C's corpus has them.
    public func examples(log: (String) -> Void = { _ in }) throws -> [EchoExample] {
        var questions = try s2t.examples(log: log)
        if let limit = recipe.questionLimit { questions = Array(questions.prefix(limit)) }
        let annotated = Dictionary(try t2c.examples(log: log).map { ($0.tokens, $0.words) }, uniquingKeysWith: { first, _ in first })
        let examples = questions.map { EchoExample(question: $0, annotated: annotated[$0.answerText] ?? []) }
        log("echo data: \(examples.count) spoken questions, \(examples.filter { !$0.annotated.isEmpty }.count) with annotated units of their answer")
        return examples
    }

    // MARK: - Models

    /// The speech model and LLM (with LoRA) as the S2T run left them, and that checkpoint's step.
    public func speechModel() throws -> (speech: S2TModel, llm: LlamaModel, step: Int) {
        let (step, values) = try TrainingCheckpoint.parameters(in: s2tRun.appendingPathComponent("checkpoint.safetensors"))
        let speech = try S2TModel(s2t.speechConfig, seed: s2t.recipe.seed)
        try speech.load(values, prefix: "speech.", source: "the S2T run \(s2tRun.lastPathComponent)'s checkpoint")
        let llm = try s2t.trainingLLM()
        try llm.load(values, prefix: "llm.", trainableOnly: true, source: "the S2T run \(s2tRun.lastPathComponent)'s checkpoint")
        return (speech, llm, step)
    }

    /// The trained T2C model and its checkpoint's step.
    public func t2cModel() throws -> (model: T2CModel, step: Int) {
        let (step, values) = try TrainingCheckpoint.parameters(in: t2cRun.appendingPathComponent("checkpoint.safetensors"))
        let model = try T2CModel(t2c.modelConfig, seed: t2c.recipe.seed)
        try model.load(values, source: "the T2C run \(t2cRun.lastPathComponent)'s checkpoint")
        return (model, step)
    }

    public var settings: EchoLossSettings {
        var s = EchoLossSettings()
        s.conventional = recipe.conventional
        s.denoisingWeight = recipe.denoisingWeight
        s.adaptive = recipe.adaptiveDenoising
        s.s2tWeight = recipe.s2tWeight
        s.refreshEvery = recipe.refreshEvery
        return s
    }


    /// The job over `examples`, its spec pointing at the run's copy of the recipe.
    public func job(examples: [EchoExample], recipeFile: URL) throws -> GradientTrainer {
        let (speech, llm, s2tStep) = try speechModel()
        let (decoder, t2cStep) = try t2cModel()
        let echo = try EchoModel(decoder: decoder, adapterDim: recipe.adapterDim, dropout: recipe.adapterDropout, seed: recipe.seed)
        let tokenizer = s2t.generator.tokenizer
        let task = try EchoTask(stack: EchoStack(speech: speech, llm: llm, echo: echo), examples: examples, labeller: try t2cModel().model,
                                decoder: try S2TEngineDecoder(generator: s2t.generator, prompt: s2t.prompt), batch: recipe.batch,
                                maxAnswerTokens: s2t.recipe.answerTokens, ctcWeight: s2t.recipe.ctcWeight, settings: settings,
                                decode: { tokenizer.decode($0.map(Int.init)) })
        task.units = t2c.units
        // The labeller is always the T2C run's; the speech model is the S2T run's only while it stays frozen.
        task.sourceSteps = recipe.s2tWeight > 0 ? ["t2c": t2cStep] : ["s2t": s2tStep, "t2c": t2cStep]
        task.encode = { tokenizer.encode($0, allowSpecial: false).map(Int32.init) }
        return GradientTrainer(task: task, config: recipe.optimization, spec: JobSpec(kind: EchoRecipe.stage, options: ["config": recipeFile.path]))
    }
}
