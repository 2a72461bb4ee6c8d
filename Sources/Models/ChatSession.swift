import Foundation
import Tokenizers

/// A conversation with a chat model: applies the chat template and keeps the KV cache across
/// turns, so each turn only prefills the tokens that are new since the last one.
public final class ChatSession {
    public let generator: LlamaGenerator
    public let template: ChatTemplate
    public private(set) var messages: [ChatMessage]
    /// Tokens whose keys and values are in the engine's cache, in order.
    private var cached: [Int] = []

    /// A session with an optional system prompt; the template defaults to the tokenizer's.
    public init(generator: LlamaGenerator, systemPrompt: String? = nil, template: ChatTemplate? = nil) throws {
        guard let t = template ?? generator.tokenizer.chatTemplate else {
            throw LlamaError.badConfig("the model has no recognisable chat template (ChatML or Llama 3); name one explicitly")
        }
        self.generator = generator
        self.template = t
        messages = systemPrompt.map { [.system($0)] } ?? []
        generator.engine.reset()
    }

    /// Replaces the system prompt (the conversation starts over when it changes).
    public func setSystemPrompt(_ prompt: String) {
        guard messages.first(where: { $0.role == "system" }) != .system(prompt) else { return }
        messages = [.system(prompt)]
        cached = []
        generator.engine.reset()
    }

    /// Starts over (keeps the system prompt).
    public func clear() {
        messages = messages.filter { $0.role == "system" }
        cached = []
        generator.engine.reset()
    }

    /// Answers `text`, streaming the answer's pieces to `onText` (return false to stop early).
    @discardableResult
    public func respond(to text: String, options: GenerationOptions, onText: (String) -> Bool = { _ in true }) throws -> GenerationResult {
        let engine = generator.engine
        messages.append(.user(text))
        let prompt = template.encode(messages, with: generator.tokenizer)
        // Reuse the cached prefix; always leave at least one token to prefill.
        var shared = 0
        let limit = min(cached.count, prompt.count - 1, engine.position)
        while shared < limit && cached[shared] == prompt[shared] { shared += 1 }
        engine.rewind(to: shared)
        cached.removeLast(cached.count - shared)
        if prompt.count >= engine.capacity {
            messages.removeLast()
            throw LlamaError.contextFull(needed: prompt.count, capacity: engine.capacity)
        }
        let result: GenerationResult
        do {
            result = try generator.generate(appending: Array(prompt[shared...]), options: options, onText: onText)
        } catch {
            messages.removeLast()
            engine.reset(); cached = []
            throw error
        }
        cached = prompt + result.tokens
        cached.removeLast(cached.count - engine.position)
        messages.append(.assistant(result.text))
        return result
    }
}
