import Foundation
import Models

/// Greedy answers of the inference engine in the S2T chat prompt: the system turn and the user turn's
/// start stay prefilled in the engine's cache, then each question (speech embeddings or text tokens),
/// the prompt's suffix and the decoding. The S2T answerer and the Echo stage's pseudo-labels use it.
public final class S2TEngineDecoder {
    public let generator: LlamaGenerator
    public let prompt: S2TPrompt

    /// Prefills the prompt's prefix (before any question arrives).
    public init(generator: LlamaGenerator, prompt: S2TPrompt) throws {
        self.generator = generator
        self.prompt = prompt
        try prefillPrefix()
    }

    /// Puts LoRA adapters on the engine (e.g. a training run's current ones); the prefix is prefilled again under them.
    public func apply(lora: LlamaLoRAWeights) throws {
        try generator.engine.apply(lora: lora)
        try prefillPrefix()
    }

    private func prefillPrefix() throws {
        generator.engine.reset()
        if !prompt.prefix.isEmpty { try generator.engine.prefill(prompt.prefix.map(Int.init)) }
    }

    /// The answer to speech embeddings (K rows of the LLM's width, flat). `onToken` gets each token with
    /// the final hidden state that predicted it.
    public func answer(speech rows: [Float], maxTokens: Int, onText: (String) -> Bool = { _ in true },
                       onToken: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) throws -> GenerationResult {
        try decode(maxTokens: maxTokens, onText: onText, onToken: onToken) { try generator.engine.prefill(embeddings: rows) }
    }

    /// The answer to a typed question (its tokens in place of the speech).
    public func answer(text: String, maxTokens: Int, onText: (String) -> Bool = { _ in true },
                       onToken: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) throws -> GenerationResult {
        let tokens = prompt.transcript(text).map(Int.init)
        guard !tokens.isEmpty else { throw TrainingError("the question text is empty") }
        return try decode(maxTokens: maxTokens, onText: onText, onToken: onToken) { try generator.engine.prefill(tokens) }
    }

    /// Rewinds to the kept prefix, appends the question and the suffix, and decodes greedily.
    private func decode(maxTokens: Int, onText: (String) -> Bool, onToken: ((Int, UnsafeBufferPointer<Float>) -> Void)?,
                        question: () throws -> Void) throws -> GenerationResult {
        let engine = generator.engine
        engine.rewind(to: prompt.prefix.count)
        return try generator.generate(prefilling: {
            try question()
            return try engine.prefill(prompt.suffix.map(Int.init))
        }, options: GenerationOptions(maxTokens: maxTokens, sampling: .greedy), onText: onText, onToken: onToken)
    }
}
