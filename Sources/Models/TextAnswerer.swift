import Foundation
import Tokenizers

/// The text LLM answering questions as the spoken-QA protocol asks: one user turn in its chat template
/// with the template's default system prompt, greedy decoding, at most `maxTokens` new tokens; many
/// questions decode together (`BatchGenerator`), which changes no answer, and the prompt's common
/// start is prefilled once.
public final class TextAnswerer {
    public let generator: LlamaGenerator
    public let template: ChatTemplate
    /// The system prompt every question is asked under (nil: the template writes none).
    public let systemPrompt: String?
    public let maxTokens: Int
    /// Questions decoded together.
    public let batch: Int
    /// What answers, for reports (the model file's name).
    public let name: String

    public init(generator: LlamaGenerator, name: String, maxTokens: Int = 48, batch: Int = 16) throws {
        guard let template = generator.tokenizer.chatTemplate else {
            throw TextAnswererError("the model \(name) has no chat template (ChatML or Llama 3), so it cannot be asked questions; use a chat model such as smollm2")
        }
        guard maxTokens >= 1, batch >= 1 else { throw TextAnswererError("max tokens and batch must be at least 1; got \(maxTokens) and \(batch)") }
        // ChatML without a prompt of its own gets SmolLM2's, as `chat` does.
        if case .chatML(let prompt) = template {
            let system = prompt ?? ChatTemplate.smolLMSystemPrompt
            self.template = .chatML(defaultSystemPrompt: system)
            systemPrompt = system
        } else {
            self.template = template
            systemPrompt = nil
        }
        self.generator = generator
        self.name = name
        self.maxTokens = maxTokens
        self.batch = batch
    }

    /// The prompt tokens of one question.
    public func prompt(_ question: String) -> [Int] {
        template.encode([.user(question)], with: generator.tokenizer)
    }

    public var options: GenerationOptions { GenerationOptions(maxTokens: maxTokens, sampling: .greedy) }

    /// The tokens every question's prompt starts with (the system prompt and the user turn's header),
    /// prefilled once per evaluation: the common start of two unlike questions' prompts.
    public var sharedPrefix: [Int] {
        let a = prompt("a"), b = prompt("? 1")
        return Array(zip(a, b).prefix { $0 == $1 }.map(\.0))
    }

    /// Answers `count` questions: `question(i)` is asked for each one's text when a slot is free (in
    /// order), `finished(i, result)` gets each answer as it completes (out of order). Returns false
    /// when `shouldStop` ended it early (the unfinished questions are dropped).
    /// `longest` bounds the prompt length in tokens, which sizes the KV caches.
    public func answer(count: Int, longest: Int, question: (Int) throws -> String, shouldStop: () -> Bool,
                       finished: (Int, GenerationResult) throws -> Void) throws -> Bool {
        let capacity = longest + maxTokens
        guard capacity <= generator.engine.config.contextLength else {
            throw TextAnswererError("a prompt of \(longest) tokens plus \(maxTokens) new ones exceeds the model's context of \(generator.engine.config.contextLength)")
        }
        let batcher = try BatchGenerator(generator: generator, slots: max(1, min(batch, count)), capacity: capacity)
        return try batcher.generate(count: count, prefix: sharedPrefix, prompt: { i in
            let tokens = prompt(try question(i))
            guard tokens.count <= longest else {
                throw TextAnswererError("question \(i + 1) makes a prompt of \(tokens.count) tokens, more than the \(longest) planned for")
            }
            return tokens
        }, options: options, shouldStop: shouldStop, finished: finished)
    }
}

/// Why questions cannot be asked; the message says what to change.
public struct TextAnswererError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
