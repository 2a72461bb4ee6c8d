import XCTest
@testable import Models
import Tokenizers

/// Chat over the real SmolLM2 model: template, streaming, and the KV cache kept across turns.
final class ChatSessionTests: XCTestCase {
    func testSecondTurnReusesTheCacheAndMatchesAFreshRun() throws {
        let engine = try SmolLM2Model.engine()
        let generator = try LlamaGenerator(engine: engine, tokenizer: SmolLM2Model.tokenizer())
        let session = try ChatSession(generator: generator)
        let options = GenerationOptions(maxTokens: 8, sampling: .greedy)
        var streamed = ""
        let first = try session.respond(to: "What is the capital of France?", options: options) { streamed += $0; return true }
        XCTAssertEqual(streamed, first.text)
        XCTAssertTrue(first.text.contains("Paris"), first.text)
        let afterFirst = engine.position
        let second = try session.respond(to: "And of Italy?", options: options)
        XCTAssertEqual(session.messages.map(\.role), ["user", "assistant", "user", "assistant"])

        // The same conversation from an empty cache gives the same second answer.
        let prompt = session.template.encode(Array(session.messages.dropLast()), with: generator.tokenizer)
        XCTAssertGreaterThan(prompt.count, afterFirst, "the second turn's prompt extends the first")
        engine.reset()
        let fresh = try generator.generate(appending: prompt, options: options)
        XCTAssertEqual(fresh.tokens, second.tokens)
        print("chat: \(first.text.debugDescription) / \(second.text.debugDescription)")
    }
}
