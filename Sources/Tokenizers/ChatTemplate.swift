import Foundation

/// One turn of a conversation.
public struct ChatMessage: Equatable, Sendable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }
    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: "system", content: text) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: "user", content: text) }
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: "assistant", content: text) }
}

/// How a model wants a conversation laid out as text.
public enum ChatTemplate: Equatable, Sendable {
    /// `<|im_start|>role\ncontent<|im_end|>\n`; the system prompt is added when the conversation has none.
    case chatML(defaultSystemPrompt: String?)
    /// `<|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>`.
    case llama3

    /// SmolLM2's default system prompt.
    public static let smolLMSystemPrompt = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    // MARK: - Choosing

    /// Recognises a Jinja template source by its markers (nil when neither format's markers appear).
    public static func detect(source: String) -> ChatTemplate? {
        if source.contains("<|start_header_id|>") && source.contains("<|eot_id|>") { return .llama3 }
        if source.contains("<|im_start|>") { return .chatML(defaultSystemPrompt: embeddedSystemPrompt(in: source)) }
        return nil
    }

    /// A template by name: "chatml", "smollm" (ChatML with SmolLM2's system prompt), "llama3".
    public static func named(_ name: String) -> ChatTemplate? {
        switch name.lowercased() {
        case "chatml": return .chatML(defaultSystemPrompt: nil)
        case "smollm", "smollm2": return .chatML(defaultSystemPrompt: smolLMSystemPrompt)
        case "llama3", "llama-3", "llama-bpe": return .llama3
        default: return nil
        }
    }

    /// The literal default system prompt a ChatML template writes, e.g.
    /// `'<|im_start|>system\nYou are ...<|im_end|>\n'`, if the source has one.
    static func embeddedSystemPrompt(in source: String) -> String? {
        for opener in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
            var rest = source[...]
            while let start = rest.range(of: opener) {
                let after = rest[start.upperBound...]
                if let end = after.range(of: "<|im_end|>") {
                    let text = after[..<end.lowerBound]
                    // A literal, not an expression such as `' + messages[0]['content'] + '`.
                    let isLiteral = !text.isEmpty && !["{", "}", "' +", "+ '", "message[", "message."].contains { text.contains($0) }
                    if isLiteral {
                        return String(text).replacingOccurrences(of: "\\n", with: "\n")
                            .replacingOccurrences(of: "\\'", with: "'")
                    }
                }
                rest = after
            }
        }
        return nil
    }

    // MARK: - Rendering

    /// The prompt text for `messages`, ending with the assistant's header when `addGenerationPrompt`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        switch self {
        case .chatML(let system):
            if let system, messages.first?.role != "system" {
                out += "<|im_start|>system\n\(system)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3:
            out += "<|begin_of_text|>"
            for m in messages {
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n"
                out += m.content.trimmingCharacters(in: .whitespacesAndNewlines) + "<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        }
        return out
    }

    /// The text that ends a turn (where an answer stops).
    public var endOfTurn: String {
        switch self {
        case .chatML: return "<|im_end|>"
        case .llama3: return "<|eot_id|>"
        }
    }

    /// The prompt token ids for `messages` (special tokens recognised; BOS comes from the template).
    public func encode(_ messages: [ChatMessage], with tokenizer: BPETokenizer, addGenerationPrompt: Bool = true) -> [Int] {
        tokenizer.encode(render(messages, addGenerationPrompt: addGenerationPrompt), allowSpecial: true)
    }
}

extension BPETokenizer {
    /// The chat template from `tokenizer.chat_template` when recognisable, else chosen from the
    /// vocabulary's special tokens (ChatML or Llama 3), else nil.
    public var chatTemplate: ChatTemplate? {
        if let source = chatTemplateSource, let t = ChatTemplate.detect(source: source) { return t }
        if id(of: "<|start_header_id|>") != nil && id(of: "<|eot_id|>") != nil { return .llama3 }
        if id(of: "<|im_start|>") != nil { return .chatML(defaultSystemPrompt: nil) }
        return nil
    }
}
