import Foundation
import Formats
import Models
import Tokenizers
import Training

/// The language model loaded into a session: what `data`/`step` train and what `chat` talks to.
public final class SessionLanguageModel {
    public let source: String
    public let encode: (String) -> [Int32]
    /// A chat session for pretrained models (nil for models trained from scratch).
    public let chat: ChatSession?
    private let buildTrainingModel: () throws -> LlamaModel
    private var built: LlamaModel?

    public init(source: String, encode: @escaping (String) -> [Int32], chat: ChatSession? = nil,
                trainingModel: @escaping () throws -> LlamaModel) {
        self.source = source
        self.encode = encode
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
        let seed = UInt64(context.state.settings.int("seed") ?? 0)
        let lm: SessionLanguageModel
        if words[0] == "tiny" {
            let model = LlamaModel(.tiny(vocabSize: 256), seed: seed)
            lm = SessionLanguageModel(source: "tiny (seed \(seed))", encode: ByteTokenizer().encode, trainingModel: { model })
            context.print("loaded lm tiny: \(model.config.layers) layers × \(model.config.dim), \(model.parameterCount) parameters; next: data <text-file>")
        } else {
            lm = try loadPretrained(words[0], seed: seed, context: context)
        }
        context.state.models["lm"] = LoadedModel(kind: "lm", source: lm.source, object: lm)
        context.state.job = nil
        return .ok
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
            source: url.path, encode: { tokenizer.encode($0).map(Int32.init) }, chat: chat,
            trainingModel: {
                let model = try LlamaModel.load(gguf: GGUFFile(url: url))
                model.addLoRA(rank: 8, alpha: 16, on: [.q, .v], seed: seed)
                return model
            })
    }
}

/// `chat <text>`: answers with the loaded pretrained model, streaming tokens; `chat clear` starts over.
public final class ChatCommand: WorkbenchCommand {
    public let name = "chat"
    public let usage = "chat <text…> | chat clear"
    public let summary = "talk to the loaded pretrained language model (tokens stream as they come)"
    public let arguments = [ArgumentSpec("text", variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard !words.isEmpty else { throw WorkbenchError.usage(usage) }
        let lm = try context.state.languageModel()
        guard let chat = lm.chat else {
            throw WorkbenchError.failed("the loaded model is trained from scratch and has no chat template — `load lm smollm2` to chat")
        }
        if words == ["clear"] { chat.clear(); context.print("conversation cleared"); return .ok }
        let settings = context.state.settings
        let sampling = settings.word("chat.sampling") == "greedy"
            ? SamplingOptions.greedy
            : SamplingOptions(temperature: 0.7, topK: 40, topP: 0.9, seed: UInt64(settings.int("seed") ?? 0))
        let options = GenerationOptions(maxTokens: settings.int("chat.max_tokens") ?? 256, sampling: sampling)
        let result = try chat.respond(to: words.joined(separator: " "), options: options) { piece in
            context.output.write(piece)
            return !context.isCancelled
        }
        context.output.write("\n")
        context.state.lastOutputs["text"] = result.text
        return CommandResult(wasInterrupted: result.stoppedBy == .callback)
    }
}

/// `data <text-file>`: the text the loaded language model trains on; makes it the training job.
public final class DataCommand: WorkbenchCommand {
    public let name = "data"
    public let usage = "data <text-file>"
    public let summary = "train the loaded language model on a text file (then: step, train for N)"
    public let arguments = [ArgumentSpec("text-file", completion: .filePath)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        try checkArity(words)
        let lm = try context.state.languageModel()
        let url = URL(fileURLWithPath: words[0], relativeTo: context.state.workingDirectory).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else { throw WorkbenchError.missingFile(url.path) }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw WorkbenchError.invalidArgument("\(url.path) is not UTF-8 text — give a plain text file")
        }
        let tokens = lm.encode(text)
        let model = try lm.trainingModel()
        let settings = context.state.settings
        var training = LanguageModelTraining()
        training.batch = settings.int("batch") ?? training.batch
        training.learningRate = Float(settings.double("lr") ?? Double(training.learningRate))
        training.seed = UInt64(settings.int("seed") ?? 0)
        training.sequenceLength = min(training.sequenceLength, model.config.contextLength)
        guard tokens.count > training.sequenceLength + 1 else {
            throw WorkbenchError.invalidArgument("\(url.lastPathComponent) has \(tokens.count) tokens; training needs more than \(training.sequenceLength + 1) — use a longer text")
        }
        let trainer = LanguageModelTrainer(model: model, data: TokenStream(tokens: tokens), settings: training)
        context.state.job = LanguageModelJob(trainer: trainer, source: url.lastPathComponent)
        context.state.currentSample = url.path
        context.print("training data: \(url.lastPathComponent), \(tokens.count) tokens; batches of \(training.batch) × \(training.sequenceLength)")
        return .ok
    }
}
