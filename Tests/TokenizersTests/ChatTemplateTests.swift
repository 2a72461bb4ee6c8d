import XCTest
import Formats
@testable import Tokenizers

final class ChatTemplateTests: XCTestCase {
    func testChatMLAddsDefaultSystemPromptOnlyWhenMissing() {
        let t = ChatTemplate.chatML(defaultSystemPrompt: "Be brief")
        XCTAssertEqual(t.render([.user("Hi")]),
                       "<|im_start|>system\nBe brief<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(t.render([.system("S"), .user("Hi"), .assistant("Yo")], addGenerationPrompt: false),
                       "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n")
    }

    func testLlama3Headers() {
        XCTAssertEqual(ChatTemplate.llama3.render([.system("S"), .user(" Hi \n")]),
                       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
                       + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                       + "<|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    func testDetectionFromTemplateSource() {
        let smol = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        XCTAssertEqual(ChatTemplate.detect(source: smol), .chatML(defaultSystemPrompt: ChatTemplate.smolLMSystemPrompt))
        let escaped = "{{ '<|im_start|>system\\nYou are Qwen.<|im_end|>\\n' }}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] }}"
        XCTAssertEqual(ChatTemplate.detect(source: escaped), .chatML(defaultSystemPrompt: "You are Qwen."))
        let apostrophe = "{{ '<|im_start|>system\\nYou\\'re kind.<|im_end|>\\n' }}{{ '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>' }}"
        XCTAssertEqual(ChatTemplate.detect(source: apostrophe), .chatML(defaultSystemPrompt: "You're kind."))
        let expression = "{{ '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
        XCTAssertEqual(ChatTemplate.detect(source: expression), .chatML(defaultSystemPrompt: nil))
        let plain = "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>'}}"
        XCTAssertEqual(ChatTemplate.detect(source: plain), .chatML(defaultSystemPrompt: nil))
        let llama = "{{ bos_token }}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}"
        XCTAssertEqual(ChatTemplate.detect(source: llama), .llama3)
        XCTAssertNil(ChatTemplate.detect(source: "[INST] {{ message }} [/INST]"))
        XCTAssertEqual(ChatTemplate.named("smollm"), .chatML(defaultSystemPrompt: ChatTemplate.smolLMSystemPrompt))
        XCTAssertEqual(ChatTemplate.named("llama3"), .llama3)
        XCTAssertNil(ChatTemplate.named("unknown"))
    }

    func testTokenizerPicksTemplateAndStopTokens() throws {
        let t = try BPETokenizer(metadata: TinyVocabulary.metadata)
        XCTAssertEqual(t.chatTemplate, .chatML(defaultSystemPrompt: nil))
        XCTAssertEqual(t.stopTokenIDs, [TinyVocabulary.id("<|im_end|>")])
        let ids = try XCTUnwrap(t.chatTemplate).encode([.user("hello")], with: t)
        XCTAssertEqual(ids.first, TinyVocabulary.id("<|im_start|>"))
        XCTAssertEqual(t.decode(ids), "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n")
    }
}
