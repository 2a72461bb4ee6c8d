import Audio
import Foundation
import Formats
import Models
import NN
import Tensor
import Tokenizers

/// EchoX stage I from a recipe: finds (or fetches) the text LLM and Whisper, builds what the stage
/// trains on and is missing (the spoken questions, the text LLM's answers, the Whisper states), and
/// makes the job of the trainer framework.
public final class S2TStage {
    public let recipe: S2TRecipe
    public let llmFile: URL
    public let whisper: WhisperModel
    /// The text LLM's engine and tokenizer (it answers the questions that become targets).
    public let generator: LlamaGenerator
    public let answerer: TextAnswerer
    public let prompt: S2TPrompt
    /// Asked between the items of data preparation (Ctrl-C): true stops it, keeping what was built.
    public var shouldStop: () -> Bool = { false }

    /// Resolves the models, fetching the known ones that are missing when `fetch` (else the error names the command).
    public init(recipe: S2TRecipe, fetch: Bool = true, log: (String) -> Void = { _ in }) throws {
        try recipe.validate()
        self.recipe = recipe
        llmFile = try ModelStore.locate(recipe.llm, fetch: fetch, log: log)
        whisper = try WhisperModel.load(try ModelStore.locate(recipe.whisper, fetch: fetch, log: log))
        generator = try LlamaGenerator(url: llmFile)
        answerer = try TextAnswerer(generator: generator, name: llmFile.lastPathComponent, maxTokens: recipe.answerTokens)
        prompt = try S2TPrompt(template: answerer.template, systemPrompt: answerer.systemPrompt, tokenizer: generator.tokenizer)
    }

    // MARK: - Data

    /// The questions of the recipe: its sources (cut to the limit) and the entity questions.
    public func questions() throws -> [CorpusText] {
        try S2TQuestions.texts(sources: recipe.questions, limit: recipe.questionLimit, entityQuestions: recipe.entityQuestions, seed: recipe.seed)
    }

    /// The corpus folder: named after what decides its audio, so recipes that speak alike share it.
    public var corpusFolder: URL {
        struct Audio: Encodable {
            let questions: [String], limit: Int?, entities: Int, voices: [String], perQuestion: Int
            let augmentation: SpeechAugmentation, seed: UInt64
        }
        let key = Audio(questions: recipe.questions, limit: recipe.questionLimit, entities: recipe.entityQuestions, voices: recipe.voices,
                        perQuestion: recipe.voicesPerQuestion, augmentation: recipe.augmentation, seed: recipe.seed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let hash = CorpusBuilder.stableHash(String(decoding: (try? encoder.encode(key)) ?? Data(), as: UTF8.self))
        return EchoXHome.corpora.appendingPathComponent("s2t-\(recipe.preset)-\(String(hash, radix: 16).prefix(8))", isDirectory: true)
    }

    /// Which voices speak each question: `voicesPerQuestion` of them, drawn per question.
    public func utterances(_ questions: [CorpusText]) throws -> [(CorpusText, SpeechVoice)] {
        let voices = try recipe.voices.map { try SpeechVoice(parsing: $0) }
        return questions.flatMap { question -> [(CorpusText, SpeechVoice)] in
            var rng = SeededRandom(seed: recipe.seed ^ CorpusBuilder.stableHash(question.id))
            var order = Array(voices.indices)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
            return order.prefix(recipe.voicesPerQuestion).map { (question, voices[$0]) }
        }
    }

    /// Builds or completes the corpus, the targets and the Whisper states; returns the examples.
    public func examples(log: (String) -> Void = { _ in }) throws -> [S2TExample] {
        let questions = try questions()
        let folder = corpusFolder
        var builder = CorpusBuilder()
        builder.augmentation = recipe.augmentation
        builder.seed = recipe.seed
        builder.shouldStop = shouldStop
        let jobs = try utterances(questions)
        log("spoken questions: \(questions.count) questions × \(recipe.voicesPerQuestion) of \(recipe.voices.count) voices in \(folder.path)")
        try builder.build(utterances: jobs, folder: folder, progress: log)
        let entries = try CorpusManifest.read(folder.appendingPathComponent(CorpusManifest.fileName))

        let targetFile = S2TTargets.file(llm: llmFile, answerTokens: recipe.answerTokens)
        log("targets: the text LLM's greedy answers (\(recipe.answerTokens) tokens at most) in \(targetFile.path)")
        let byText = try S2TTargets(file: targetFile).make(questions: questions, answerer: answerer, progress: log, shouldStop: shouldStop)

        let cache = EncoderStateCache(model: whisper, folder: folder.appendingPathComponent("states-\(whisper.folder.lastPathComponent)"))
        var examples: [S2TExample] = []
        var computed = 0
        let start = Date()
        for (i, entry) in entries.enumerated() {
            if computed > 0, shouldStop() { throw TrainingError.stopped("the Whisper states (\(i) of \(entries.count))") }
            guard let target = byText[entry.text] else { continue }
            let audio = CorpusManifest.audioURL(entry, manifest: folder.appendingPathComponent(CorpusManifest.fileName))
            let states = try cache.states(id: entry.id, audio: audio)
            if !states.cached { computed += 1 }
            var example = S2TExample(states: states.values, frames: states.frames, transcript: prompt.transcript(entry.text),
                                     prefix: prompt.prefix, suffix: prompt.suffix,
                                     answer: prompt.answer(tokens: target.tokens, ended: target.ended), answerLength: target.tokens.count)
            example.audio = audio
            examples.append(example)
            if (i + 1) % 500 == 0 || i + 1 == entries.count {
                log(String(format: "whisper states: %d/%d utterances (%d computed, %.0f s)", i + 1, entries.count, computed, Date().timeIntervalSince(start)))
            }
        }
        guard !examples.isEmpty else { throw TrainingError("no spoken question in \(folder.path) has an answer to learn") }
        return examples
    }

    // MARK: - Models

    /// The speech side's sizes for this LLM and encoder.
    public var speechConfig: S2TConfig {
        let c = generator.engine.config
        var config = S2TConfig(encoderDim: whisper.config.width, llmDim: c.dim, vocabSize: c.vocabSize, heads: 8, lookBackHeads: 8,
                               dropout: recipe.dropout)
        config.keepEvery = recipe.keepEvery
        if recipe.matchEmbeddingScale { config.outputScale = embeddingRMS }
        if c.dim % 8 != 0 { config.heads = 1; config.lookBackHeads = 1 }
        return config
    }

    /// The inference engine's token embeddings [V, C] (dequantised once, when first needed).
    public private(set) lazy var tokenEmbeddings: Tensor = generator.engine.embeddingTensor()

    /// The RMS of the LLM's token-embedding values (SmolLM2-135M: 0.136).
    public private(set) lazy var embeddingRMS: Float = {
        let values = UnsafeBufferPointer(start: tokenEmbeddings.data, count: tokenEmbeddings.count)
        var sum = 0.0
        for v in values { sum += Double(v) * Double(v) }
        return Float((sum / Double(max(values.count, 1))).squareRoot())
    }()

    /// The LLM in f32 with the recipe's LoRA adapters, every base weight frozen.
    public func trainingLLM() throws -> LlamaModel {
        let model = try LlamaModel.load(gguf: GGUFFile(url: llmFile))
        let targets = Set(recipe.loraTargets.compactMap(LlamaProjection.init(rawValue:)))
        model.addLoRA(rank: recipe.loraRank, alpha: recipe.loraAlpha, on: targets, seed: recipe.seed)
        return model
    }


    /// The job over `examples`, its spec pointing at the run's copy of the recipe.
    public func job(examples: [S2TExample], recipeFile: URL) throws -> GradientTrainer {
        let speech = try S2TModel(speechConfig, seed: recipe.seed)
        let tokenizer = generator.tokenizer
        let task = try S2TTask(speech: speech, llm: try trainingLLM(), examples: examples, batch: recipe.batch, ctcWeight: recipe.ctcWeight,
                               ctcWarmup: recipe.ctcWarmupSteps * recipe.optimization.accumulation, decode: { tokenizer.decode($0.map(Int.init)) })
        return GradientTrainer(task: task, config: recipe.optimization, spec: JobSpec(kind: "s2t", options: ["config": recipeFile.path]))
    }
}
