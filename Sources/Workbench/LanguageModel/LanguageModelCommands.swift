import Foundation
import Models
import Tokenizers
import Training

/// The language model loaded into a session and what it trains on.
public final class SessionLanguageModel {
    public let model: LlamaModel
    public let encode: (String) -> [Int32]
    public let source: String
    public init(model: LlamaModel, source: String, encode: @escaping (String) -> [Int32]) {
        self.model = model
        self.source = source
        self.encode = encode
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
    /// `load lm tiny`: a small Llama-style model over bytes, trained from scratch.
    public static let loader = Loader(
        kind: "lm", usage: "lm tiny", summary: "a language model: `tiny` is a 2-layer Llama over bytes to train from scratch",
        argumentCompletion: .words(["tiny"])
    ) { words, context in
        guard words == ["tiny"] else { throw WorkbenchError.usage("load lm tiny") }
        let seed = UInt64(context.state.settings.int("seed") ?? 0)
        let model = LlamaModel(.tiny(vocabSize: 256), seed: seed)
        let tokenizer = ByteTokenizer()
        let lm = SessionLanguageModel(model: model, source: "tiny (seed \(seed))", encode: tokenizer.encode)
        context.state.models["lm"] = LoadedModel(kind: "lm", source: lm.source, object: lm)
        context.state.job = nil
        context.print("loaded lm tiny: \(model.config.layers) layers × \(model.config.dim), \(model.parameterCount) parameters; next: data <text-file>")
        return .ok
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
        let settings = context.state.settings
        var training = LanguageModelTraining()
        training.batch = settings.int("batch") ?? training.batch
        training.learningRate = Float(settings.double("lr") ?? Double(training.learningRate))
        training.seed = UInt64(settings.int("seed") ?? 0)
        training.sequenceLength = min(training.sequenceLength, lm.model.config.contextLength)
        guard tokens.count > training.sequenceLength + 1 else {
            throw WorkbenchError.invalidArgument("\(url.lastPathComponent) has \(tokens.count) tokens; training needs more than \(training.sequenceLength + 1) — use a longer text")
        }
        let trainer = LanguageModelTrainer(model: lm.model, data: TokenStream(tokens: tokens), settings: training)
        context.state.job = LanguageModelJob(trainer: trainer, source: url.lastPathComponent)
        context.state.currentSample = url.path
        context.print("training data: \(url.lastPathComponent), \(tokens.count) tokens; batches of \(training.batch) × \(training.sequenceLength)")
        return .ok
    }
}
