import Foundation
import Formats
import Models
import Tokenizers
import Training

/// The language model loaded into a session: what `data`/`step` train and what `chat` talks to.
public final class SessionLanguageModel {
    public let source: String
    /// What `load lm` was given (`tiny`, `smollm2`, a path): rebuilds the same model on resume.
    public let name: String
    public let seed: UInt64
    public let encode: (String) -> [Int32]
    public let decode: ([Int32]) -> String
    /// A chat session for pretrained models (nil for models trained from scratch).
    public let chat: ChatSession?
    private let buildTrainingModel: () throws -> LlamaModel
    private var built: LlamaModel?

    public init(name: String, seed: UInt64, source: String, encode: @escaping (String) -> [Int32],
                decode: @escaping ([Int32]) -> String, chat: ChatSession? = nil, trainingModel: @escaping () throws -> LlamaModel) {
        self.name = name
        self.seed = seed
        self.source = source
        self.encode = encode
        self.decode = decode
        self.chat = chat
        buildTrainingModel = trainingModel
    }

    /// The trainable model, built on first use (a pretrained one: frozen float32 weights with LoRA on q and v).
    public func trainingModel() throws -> LlamaModel {
        if let built { return built }
        let model = try buildTrainingModel()
        built = model
        return model
    }
}

extension WorkbenchState {
    /// The language model in the `lm` slot, or a clear error.
    func languageModel() throws -> SessionLanguageModel {
        guard let lm = models["lm"]?.object as? SessionLanguageModel else {
            throw WorkbenchError.failed("no language model is loaded — type `load lm tiny` (or `load lm smollm2`)")
        }
        return lm
    }
}

public enum LanguageModelCommands {
    /// `load lm tiny|smollm2|PATH.gguf`.
    public static let loader = Loader(
        kind: "lm", usage: "lm tiny|smollm2|PATH.gguf",
        summary: "a language model: `tiny` is a 2-layer Llama over bytes to train from scratch; smollm2 or a GGUF file is a pretrained chat model (trained with LoRA on q and v)",
        argumentCompletion: .words(["tiny", "smollm2"])
    ) { words, context in
        guard words.count == 1 else { throw WorkbenchError.usage("load lm tiny|smollm2|PATH.gguf") }
        let lm = try load(words[0], seed: UInt64(context.state.settings.int("seed") ?? 0), context: context)
        context.state.models["lm"] = LoadedModel(kind: "lm", source: lm.source, object: lm)
        context.state.job = nil
        return .ok
    }

    /// The language model `name` (tiny, a known model, a GGUF path), with its trainable form built on demand.
    static func load(_ name: String, seed: UInt64, context: CommandContext) throws -> SessionLanguageModel {
        guard name == "tiny" else { return try loadPretrained(name, seed: seed, context: context) }
        let model = LlamaModel(.tiny(vocabSize: 256), seed: seed)
        let bytes = ByteTokenizer()
        context.print("loaded lm tiny: \(model.config.layers) layers × \(model.config.dim), \(model.parameterCount) parameters; next: data <text-file>")
        return SessionLanguageModel(name: name, seed: seed, source: "tiny (seed \(seed))", encode: bytes.encode,
                                    decode: { String(decoding: $0.map { UInt8(clamping: $0) }, as: UTF8.self) }, trainingModel: { model })
    }

    /// The training job of `lm` on `data`: the one place its settings are turned into a trainer.
    static func job(_ lm: SessionLanguageModel, data url: URL, options: [String: String]) throws -> GradientTrainer {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw WorkbenchError.invalidArgument("\(url.path) is not UTF-8 text — give a plain text file")
        }
        let model = try lm.trainingModel()
        let number = { (key: String) in options[key].flatMap(Double.init) }
        model.setDropout(Float(number("dropout") ?? 0))
        var optimization = OptimizationConfig.languageModel()
        optimization.learningRate = Float(number("lr") ?? Double(optimization.learningRate))
        optimization.seed = lm.seed
        let batch = Int(number("batch") ?? 8)
        let sequence = min(Int(number("sequence") ?? 64), model.config.contextLength)
        let task = try library {
            try LanguageModelTask(model: model, data: TokenStream(tokens: lm.encode(text)), batch: batch, sequenceLength: sequence,
                                  source: url.lastPathComponent, decode: lm.decode)
        }
        var spec = options
        spec["model"] = lm.name; spec["seed"] = String(lm.seed); spec["data"] = url.path
        return GradientTrainer(task: task, config: optimization, spec: JobSpec(kind: "lm", options: spec))
    }

    /// Rebuilds a language-model job from the spec of its run.
    static func rebuild(_ spec: JobSpec, context: CommandContext) throws -> TrainingJob {
        guard let name = spec.options["model"], let data = spec.options["data"] else {
            throw WorkbenchError.failed("the run's job.json lacks the model or the data of its language-model job")
        }
        let lm = try load(name, seed: spec.options["seed"].flatMap { UInt64($0) } ?? 0, context: context)
        context.state.models["lm"] = LoadedModel(kind: "lm", source: lm.source, object: lm)
        return try job(lm, data: URL(fileURLWithPath: data), options: spec.options)
    }

    static func loadPretrained(_ nameOrPath: String, seed: UInt64, context: CommandContext) throws -> SessionLanguageModel {
        let url: URL
        do { url = try ModelStore.resolve(nameOrPath) } catch { throw WorkbenchError.failed("\(error)") }
        let generator = try LlamaGenerator(url: url)
        let tokenizer = generator.tokenizer
        let systemPrompt = tokenizer.chatTemplate.flatMap { template -> String? in
            if case .chatML(let prompt) = template { return prompt ?? ChatTemplate.smolLMSystemPrompt }
            return nil
        }
        let chat = try ChatSession(generator: generator, systemPrompt: systemPrompt)
        let c = generator.engine.config
        context.print("loaded lm \(url.lastPathComponent): \(c.layers) layers × \(c.dim), \(c.heads)/\(c.kvHeads) heads, vocabulary \(c.vocabSize)")
        return SessionLanguageModel(
            name: nameOrPath, seed: seed, source: url.path, encode: { tokenizer.encode($0).map(Int32.init) },
            decode: { tokenizer.decode($0.map(Int.init)) }, chat: chat,
            trainingModel: {
                let model = try LlamaModel.load(gguf: GGUFFile(url: url))
                model.addLoRA(rank: 8, alpha: 16, on: [.q, .v], seed: seed)
                return model
            })
    }
}

/// `chat [options] <text>`: answers with the pretrained model, streaming tokens; `chat clear` starts over.
public final class ChatCommand: WorkbenchCommand {
    public let name = "chat"
    public let usage = "chat [model=smollm2|PATH.gguf] [system=TEXT] [greedy] [temperature=T] [top_k=K] [top_p=P] [seed=N] [max_tokens=N] <text…> | chat clear"
    public let summary = "talk to a pretrained language model (tokens stream as they come)"
    public var help: String {
        """
        \(usage)
            Answers <text> with the model in the `lm` slot; with none loaded (or with model=) it loads the model
            (default smollm2). Greedy decoding unless temperature= is given (then top-k/top-p sampling seeded
            by seed=); the defaults come from `set chat.sampling`, `set chat.max_tokens` and `set seed`.
            system= replaces the template's system prompt. `chat clear` forgets the conversation.
        """
    }
    public let options = [OptionSpec("model"), OptionSpec("system"), OptionSpec("greedy", flag: true), OptionSpec("temperature"),
                          OptionSpec("top_k"), OptionSpec("top_p"), OptionSpec("seed"), OptionSpec("max_tokens")]
    public let arguments = [ArgumentSpec("text", variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let parsed = try CommandOptions(words, specs: options, usage: usage)
        let state = context.state, settings = state.settings
        let seed = try parsed.int("seed", in: 0...Int(Int32.max)) ?? settings.int("seed") ?? 0
        // Every value is checked before a model is loaded.
        _ = try (parsed.double("temperature", in: 0...10), parsed.int("top_k", in: 0...1_000_000),
                 parsed.double("top_p", in: 1e-6...1), parsed.int("max_tokens", in: 1...8192), parsed.flag("greedy"))
        if let model = parsed["model"] ?? (state.models["lm"] == nil ? "smollm2" : nil) {
            let lm = try LanguageModelCommands.load(model, seed: UInt64(seed), context: context)
            state.models["lm"] = LoadedModel(kind: "lm", source: lm.source, object: lm)
        }
        let lm = try state.languageModel()
        guard let chat = lm.chat else {
            throw WorkbenchError.failed("the loaded model is trained from scratch and has no chat template — `load lm smollm2` (or chat model=smollm2) to chat")
        }
        if let system = parsed["system"] { chat.setSystemPrompt(system) }
        let text = parsed.positional.joined(separator: " ")
        if text == "clear" { chat.clear(); context.print("conversation cleared"); return .ok }
        guard !text.isEmpty else { throw WorkbenchError.usage(usage) }
        let temperature = try parsed.double("temperature", in: 0...10)
        let topK = try parsed.int("top_k", in: 0...1_000_000) ?? 40, topP = try parsed.double("top_p", in: 1e-6...1) ?? 0.9
        let sampled = !(try parsed.flag("greedy")) && (temperature.map { $0 > 0 } ?? (settings.word("chat.sampling") == "sample"))
        let sampling = sampled
            ? SamplingOptions(temperature: Float(temperature ?? 0.7), topK: topK, topP: Float(topP), seed: UInt64(seed))
            : SamplingOptions.greedy
        let maxTokens = try parsed.int("max_tokens", in: 1...8192) ?? settings.int("chat.max_tokens") ?? 256
        let result = try library {
            try chat.respond(to: text, options: GenerationOptions(maxTokens: maxTokens, sampling: sampling)) { piece in
                context.output.write(piece)
                return !context.isCancelled
            }
        }
        context.output.write("\n")
        state.lastOutputs["text"] = result.text
        return CommandResult(wasInterrupted: result.stoppedBy == .callback)
    }
}

/// `data <text-file>`: the text the loaded language model trains on; makes it the training job.
/// With an EchoX stage loaded, `data <questions> [limit=N]`: the spoken questions it trains on.
public final class DataCommand: WorkbenchCommand {
    public let name = "data"
    public let usage = "data <text-file> | data <questions> [limit=N]"
    public let summary = "the training data: a text file for the loaded language model, or the questions of the loaded EchoX stage"
    public let help = """
        data <text-file>
            Trains the loaded language model on a text file (then: step, train for N).
        data <questions> [limit=N]
            With an S2T, T2C or Echo run loaded that has not stepped yet: its questions become <questions>
            (`webquestions-train`, or a file of one question a line or JSONL {"id", "question"}), the first N
            of them with limit=. They are spoken by the stage's voices and answered by its text LLM, as any
            question of the stage; the run's recipe keeps the change.
        """
    public let arguments = [ArgumentSpec("text-file", completion: .filePath), ArgumentSpec("options", optional: true, variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        if let loaded = context.state.models["job"], let job = context.state.job, loaded.object === job,
           let useQuestions = EchoXStages.data[loaded.kind] {
            return try questions(words, stage: loaded.kind, useQuestions, context: context)
        }
        guard words.count == 1 else { throw WorkbenchError.usage("data <text-file> (a language model is loaded; `data <questions> [limit=N]` is for an S2T, T2C or Echo run)") }
        let lm = try context.state.languageModel()
        let url = URL(fileURLWithPath: words[0], relativeTo: context.state.workingDirectory).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else { throw WorkbenchError.missingFile(url.path) }
        let settings = context.state.settings
        let options = ["batch": String(settings.int("batch") ?? 8), "lr": String(settings.double("lr") ?? 3e-3),
                       "dropout": String(settings.double("dropout") ?? 0)]
        let job = try LanguageModelCommands.job(lm, data: url, options: options)
        context.state.job = job
        context.state.currentSample = url.path
        let task = job.task as! LanguageModelTask
        context.print("training data: \(url.lastPathComponent), \(task.data.tokens.count) tokens; batches of \(task.batch) × \(task.sequenceLength)")
        return .ok
    }

    private func questions(_ words: [String], stage: String,
                           _ useQuestions: ([String], Int?, CommandContext) throws -> GradientTrainer,
                           context: CommandContext) throws -> CommandResult {
        let usage = "data <questions> [limit=N] (webquestions-train or a question file)"
        let parsed = try CommandOptions(words, specs: [OptionSpec("limit", help: "the first N questions")], usage: usage)
        guard parsed.positional.count == 1 else { throw WorkbenchError.usage(usage) }
        var source = parsed.positional[0]
        if source != S2TQuestions.webQuestionsTrain {
            let url = AudioPaths.url(source, in: context)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw WorkbenchError.invalidArgument("no question file at \(url.path): give `\(S2TQuestions.webQuestionsTrain)` or a file of questions (one a line, or JSONL {\"id\", \"question\"})")
            }
            source = url.path
        }
        let limit = try parsed.int("limit", in: 1...10_000_000)
        let job = try useQuestions([source], limit, context)
        context.print("\(stage) data: " + job.describe().filter { $0.0 == "data" }.map { "\($0.0) \($0.1)" }.joined(separator: "; "))
        return .ok
    }
}
