import Foundation
import Tokenizers

/// The chat prompt of a spoken question: the tokens before the audio (system turn and the start of
/// the user's) and after it (the end of the user's turn and the start of the assistant's), so the
/// speech embeddings take the place of the question's text, and the answer's tokens with the end of turn.
public struct S2TPrompt: Sendable {
    public let prefix: [Int32]
    public let suffix: [Int32]
    let template: ChatTemplate
    let tokenizer: BPETokenizer

    /// The prompt of `template` with `systemPrompt` (nil: the template's own default).
    public init(template: ChatTemplate, systemPrompt: String?, tokenizer: BPETokenizer) throws {
        let marker = "\u{1}AUDIO\u{1}"
        let messages = (systemPrompt.map { [ChatMessage.system($0)] } ?? []) + [.user(marker)]
        let parts = template.render(messages).components(separatedBy: marker)
        guard parts.count == 2 else { throw TrainingError("the chat template does not place the user's message once") }
        prefix = tokenizer.encode(parts[0], allowSpecial: true).map(Int32.init)
        suffix = tokenizer.encode(parts[1], allowSpecial: true).map(Int32.init)
        self.template = template
        self.tokenizer = tokenizer
    }

    /// Token ids of an answer, ending with the end of the turn.
    public func answer(_ text: String) -> [Int32] {
        tokenizer.encode(text + template.endOfTurn, allowSpecial: true).map(Int32.init)
    }

    /// The target ids of a generated answer: its tokens, and the end of the turn when it ended there.
    public func answer(tokens: [Int], ended: Bool) -> [Int32] {
        tokens.map(Int32.init) + (ended ? tokenizer.encode(template.endOfTurn, allowSpecial: true).map(Int32.init) : [])
    }

    /// Token ids of a transcript (the CTC target: plain text, no special tokens).
    public func transcript(_ text: String) -> [Int32] {
        tokenizer.encode(text, allowSpecial: false).map(Int32.init)
    }
}
