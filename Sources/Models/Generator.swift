import Foundation
import Formats
import Tensor
import Tokenizers

/// Limits and sampling of one generation.
public struct GenerationOptions: Sendable {
    /// At most this many new tokens.
    public var maxTokens: Int
    public var sampling: SamplingOptions
    /// Tokens that end the answer (not emitted); the tokenizer's `stopTokenIDs` when nil.
    public var stopTokens: Set<Int>?

    public init(maxTokens: Int = 256, sampling: SamplingOptions = .greedy, stopTokens: Set<Int>? = nil) {
        self.maxTokens = maxTokens; self.sampling = sampling; self.stopTokens = stopTokens
    }
}

/// The outcome of one generation.
public struct GenerationResult: Sendable {
    /// New token ids (without the stop token).
    public var tokens: [Int]
    public var text: String
    /// Why generation ended.
    public var stoppedBy: StopReason
    /// Seconds spent in prefill and in decoding.
    public var prefillSeconds: Double
    public var decodeSeconds: Double

    public enum StopReason: String, Sendable { case stopToken, maxTokens, callback, contextFull }
}

/// Text generation with a Llama engine and its tokenizer: prefill, then sample token by token,
/// streaming decoded text through a callback.
public final class LlamaGenerator {
    public let engine: LlamaInference
    public let tokenizer: BPETokenizer

    public init(engine: LlamaInference, tokenizer: BPETokenizer) throws {
        guard tokenizer.vocabularySize <= engine.config.vocabSize else {
            throw LlamaError.badConfig("the tokenizer has \(tokenizer.vocabularySize) tokens but the model only \(engine.config.vocabSize)")
        }
        self.engine = engine; self.tokenizer = tokenizer
    }

    /// Loads the model and tokenizer of a GGUF file.
    public convenience init(url: URL, capacity: Int? = nil) throws {
        let file = try GGUFFile(url: url)
        try self.init(engine: LlamaInference(file: file, capacity: capacity), tokenizer: BPETokenizer(metadata: file.metadata))
    }

    /// Appends `prompt` to the engine's cache (continuing whatever it holds) and generates.
    /// `onText` receives each piece of decoded text as it comes; returning false stops.
    @discardableResult
    public func generate(appending prompt: [Int], options: GenerationOptions,
                         onText: (String) -> Bool = { _ in true }) throws -> GenerationResult {
        try generate(prefilling: { try engine.prefill(prompt) }, options: options, onText: onText)
    }

    /// Generates after `prefill` has appended the prompt (tokens, input embeddings, or both) to the
    /// engine and returned the logits after its last position. `onToken` gets each new token with the
    /// final hidden state [C] that predicted it (valid during the call), before its text goes out.
    @discardableResult
    public func generate(prefilling prefill: () throws -> UnsafeBufferPointer<Float>, options: GenerationOptions,
                         onText: (String) -> Bool = { _ in true },
                         onToken: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) throws -> GenerationResult {
        let stops = options.stopTokens ?? tokenizer.stopTokenIDs
        var sampler = Sampler(options.sampling)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        let clock = ContinuousClock()
        var result = GenerationResult(tokens: [], text: "", stoppedBy: .maxTokens, prefillSeconds: 0, decodeSeconds: 0)
        let start = clock.now
        var logits = try prefill()
        let prefilled = clock.now
        result.prefillSeconds = (prefilled - start).inSeconds
        while result.tokens.count < options.maxTokens {
            let next = sampler.sample(logits)
            if stops.contains(next) { result.stoppedBy = .stopToken; break }
            result.tokens.append(next)
            onToken?(next, engine.lastHiddenState)
            let piece = decoder.append(next)
            result.text += piece
            if !piece.isEmpty && !onText(piece) { result.stoppedBy = .callback; break }
            if result.tokens.count == options.maxTokens { break }
            guard engine.position < engine.capacity else { result.stoppedBy = .contextFull; break }
            logits = try engine.step(next)
        }
        let tail = decoder.finish()
        if !tail.isEmpty { result.text += tail; _ = onText(tail) }
        result.decodeSeconds = (clock.now - prefilled).inSeconds
        return result
    }
}
