import Audio
import Foundation
import Formats
import Models
import NN
import Tensor
import Units

/// EchoX stage II from a recipe: the text LLM (its token embeddings and the answers it gives), the
/// units model, the answers spoken by the units model's target voice and turned into unit-language
/// words (built once and reused), and the job of the trainer framework.
public final class T2CStage {
    public let recipe: T2CRecipe
    public let llmFile: URL
    public let generator: LlamaGenerator
    public let answerer: TextAnswerer
    public let unitsFolder: URL
    public let units: UnitsModel
    /// Asked between the items of data preparation (Ctrl-C): true stops it, keeping what was built.
    public var shouldStop: () -> Bool = { false }

    public init(recipe: T2CRecipe, fetch: Bool = true, log: (String) -> Void = { _ in }) throws {
        try recipe.validate()
        self.recipe = recipe
        llmFile = try ModelStore.locate(recipe.llm, fetch: fetch, log: log)
        generator = try LlamaGenerator(url: llmFile)
        answerer = try TextAnswerer(generator: generator, name: llmFile.lastPathComponent, maxTokens: recipe.answerTokens)
        unitsFolder = EchoXHome.location(recipe.units, under: EchoXHome.models)
        guard FileManager.default.fileExists(atPath: unitsFolder.appendingPathComponent(UnitsModel.configFile).path) else {
            throw TrainingError("T2C speaks through the units model \(unitsFolder.path), which is not there: train it with `echox units train CORPUS --preset quick --out \(unitsFolder.path)` (a corpus with its target voice, e.g. `echox corpus synth --voices target`), or set `units` in the T2C config")
        }
        units = try UnitsModel.load(from: unitsFolder)
    }

    // MARK: - Data

    /// The texts: the text LLM's answers to the recipe's questions (the S2T stage's targets, one shared file).
    public func answers(log: (String) -> Void = { _ in }) throws -> [S2TTargets.Target] {
        let questions = try S2TQuestions.texts(sources: recipe.questions, limit: recipe.questionLimit,
                                               entityQuestions: recipe.entityQuestions, seed: recipe.seed)
        let targets = S2TTargets(file: S2TTargets.file(llm: llmFile, answerTokens: recipe.answerTokens))
        log("texts: the text LLM's answers to \(questions.count) questions in \(targets.file.path)")
        let byQuestion = try targets.make(questions: questions, answerer: answerer, progress: log, shouldStop: shouldStop)
        var seen = Set<String>()
        return questions.compactMap { byQuestion[$0.text] }.filter {
            !$0.tokens.isEmpty && !$0.answer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && seen.insert($0.answer).inserted
        }
    }

    /// The corpus folder of the answers in the target voice: named after the LLM, the answers and the voice.
    public var corpusFolder: URL {
        let key = [llmFile.lastPathComponent, recipe.questions.joined(separator: ","), "\(recipe.questionLimit ?? -1)",
                   "\(recipe.entityQuestions)", "\(recipe.answerTokens)", units.config.targetVoice, "\(recipe.seed)"].joined(separator: "|")
        let hash = CorpusBuilder.stableHash(key)
        return EchoXHome.corpora.appendingPathComponent("t2c-\(recipe.preset)-\(String(hash, radix: 16).prefix(8))", isDirectory: true)
    }

    /// Builds or completes the spoken answers and their unit words; returns the examples.
    public func examples(log: (String) -> Void = { _ in }) throws -> [T2CExample] {
        let answers = try answers(log: log)
        let folder = corpusFolder
        let voice = try SpeechVoice(parsing: units.config.targetVoice)
        log("speech: \(answers.count) answers in the target voice \(voice) in \(folder.path)")
        var builder = CorpusBuilder()
        builder.seed = recipe.seed
        builder.shouldStop = shouldStop
        try builder.build(texts: answers.map { CorpusText(id: $0.id, text: $0.answer) }, voices: [voice], folder: folder, progress: log)
        let manifest = folder.appendingPathComponent(CorpusManifest.fileName)
        let entries = try CorpusManifest.read(manifest)
        let words = try UnitWordsCache(file: folder.appendingPathComponent("words-\(unitsFolder.lastPathComponent).jsonl"), model: units)
            .words(entries, manifest: manifest, progress: log)
        let tokensByText = Dictionary(answers.map { ($0.answer, $0.tokens.map(Int32.init)) }, uniquingKeysWith: { first, _ in first })
        let examples = entries.compactMap { entry -> T2CExample? in
            guard let tokens = tokensByText[entry.text], let said = words[entry.id], !said.isEmpty else { return nil }
            return T2CExample(tokens: tokens, words: said)
        }
        guard !examples.isEmpty else { throw TrainingError("no answer in \(folder.path) has speech units to learn") }
        return examples
    }

    // MARK: - Models

    public var modelConfig: T2CConfig {
        recipe.model(llmDim: generator.engine.config.dim, units: units.language.vocabularySize)
    }

    /// The LLM's token embeddings [V, E] in f32, frozen.
    public func tokenEmbeddings() -> Tensor { generator.engine.embeddingTensor() }


    /// The job over `examples`, its spec pointing at the run's copy of the recipe.
    public func job(examples: [T2CExample], recipeFile: URL) throws -> GradientTrainer {
        let tokenizer = generator.tokenizer
        let task = try T2CTask(t2c: try T2CModel(modelConfig, seed: recipe.seed), tokenEmbeddings: tokenEmbeddings(), examples: examples,
                               batch: recipe.batch, decode: { tokenizer.decode($0.map(Int.init)) })
        return GradientTrainer(task: task, config: recipe.optimization, spec: JobSpec(kind: T2CRecipe.stage, options: ["config": recipeFile.path]))
    }
}
