import Formats
import Tokenizers
import Training
import XCTest

final class S2TPromptTests: XCTestCase {
    /// The speech takes exactly the place of the question's text in SmolLM2's chat prompt.
    func testSpeechTakesThePlaceOfTheQuestionText() throws {
        let url = EchoXHome.models.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
        guard FileManager.default.fileExists(atPath: url.path) else {
            return XCTFail("no SmolLM2 at \(url.path): run `echox model fetch smollm2`")
        }
        let tokenizer = try BPETokenizer(metadata: try GGUFFile(url: url).metadata)
        let template = try XCTUnwrap(tokenizer.chatTemplate)
        let prompt = try S2TPrompt(template: template, systemPrompt: ChatTemplate.smolLMSystemPrompt, tokenizer: tokenizer)
        for question in ["What is the capital of France?", "who wrote hamlet", "Where's the Eiffel tower?"] {
            let spliced = prompt.prefix + prompt.transcript(question) + prompt.suffix
            let written = template.encode([.system(ChatTemplate.smolLMSystemPrompt), .user(question)], with: tokenizer).map(Int32.init)
            XCTAssertEqual(spliced, written, question)
        }
        let answer = prompt.answer("Paris.")
        XCTAssertEqual(answer.last, Int32(try XCTUnwrap(tokenizer.id(of: "<|im_end|>"))))
        XCTAssertEqual(tokenizer.decode(answer.dropLast().map(Int.init)), "Paris.")
    }
}
