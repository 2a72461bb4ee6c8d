import XCTest
@testable import Tokenizers

/// The real SmolLM2 tokenizer against ids and texts recorded from the reference implementation.
final class SmolLM2GoldenTests: XCTestCase {
    func testTokenizeLinesMatchGoldenIDs() throws {
        let tokenizer = try ModelVocabulary.tokenizer()
        let lines = try ModelVocabulary.golden("tokenize")
        XCTAssertFalse(lines.isEmpty)
        var matched = 0
        for line in lines {
            let text = try XCTUnwrap(line["text"] as? String)
            let ids = try XCTUnwrap(line["ids"] as? [Int])
            let got = tokenizer.encode(text)
            XCTAssertEqual(got, ids, "encoding \(text.debugDescription)")
            XCTAssertEqual(tokenizer.decode(got), text)
            if got == ids { matched += 1 }
        }
        print("golden tokenize: \(matched)/\(lines.count) exact")
    }

    func testChatPromptsMatchGoldenPromptIDs() throws {
        let tokenizer = try ModelVocabulary.tokenizer()
        let template = try XCTUnwrap(tokenizer.chatTemplate)
        XCTAssertEqual(template, .chatML(defaultSystemPrompt: ChatTemplate.smolLMSystemPrompt))
        let lines = try ModelVocabulary.golden("greedy")
        XCTAssertFalse(lines.isEmpty)
        var matched = 0
        for line in lines {
            let question = try XCTUnwrap(line["question"] as? String)
            let prompt = try XCTUnwrap(line["prompt"] as? String)
            let promptIDs = try XCTUnwrap(line["prompt_ids"] as? [Int])
            XCTAssertEqual(template.render([.user(question)]), prompt)
            let got = template.encode([.user(question)], with: tokenizer)
            XCTAssertEqual(got, promptIDs, "prompt for \(question.debugDescription)")
            XCTAssertEqual(tokenizer.decode(got), prompt)
            if got == promptIDs { matched += 1 }
        }
        print("golden prompts: \(matched)/\(lines.count) exact")
    }

    func testGreedyIDsDecodeToGoldenText() throws {
        let tokenizer = try ModelVocabulary.tokenizer()
        for line in try ModelVocabulary.golden("greedy") {
            let ids = try XCTUnwrap(line["greedy_ids"] as? [Int])
            let text = try XCTUnwrap(line["greedy_text"] as? String)
            XCTAssertEqual(tokenizer.decode(ids), text)
            var stream = StreamingDecoder(tokenizer: tokenizer)
            let streamed = ids.map { stream.append($0) }.joined() + stream.finish()
            XCTAssertEqual(streamed, text)
            XCTAssertEqual(tokenizer.encode(text), ids, "re-encoding \(text.debugDescription)")
        }
    }

    func testModelMetadataFields() throws {
        let tokenizer = try ModelVocabulary.tokenizer()
        XCTAssertEqual(tokenizer.vocabularySize, 49152)
        XCTAssertEqual(tokenizer.preTokenizer, .digitsThenGPT2)
        XCTAssertEqual(tokenizer.bosID, 1)
        XCTAssertEqual(tokenizer.eosID, 2)
        XCTAssertFalse(tokenizer.addsBOS)
        XCTAssertEqual(tokenizer.stopTokenIDs, [0, 2])
        XCTAssertEqual(tokenizer.encode("<|im_start|>user<|im_end|>"), [1, 4093, 2])
        XCTAssertNotEqual(tokenizer.encode("<|im_start|>", allowSpecial: false).first, 1)
    }
}
