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

/// Round trips and speed on the real vocabulary.
final class SmolLM2RoundTripTests: XCTestCase {
    func testTrickyStringsRoundTrip() throws {
        let tokenizer = try ModelVocabulary.tokenizer()
        var texts = TrickyStrings.all
        for line in try ModelVocabulary.golden("tokenize") { texts.append(try XCTUnwrap(line["text"] as? String)) }
        for line in try ModelVocabulary.golden("greedy") {
            texts.append(try XCTUnwrap(line["prompt"] as? String))
            texts.append(try XCTUnwrap(line["greedy_text"] as? String))
        }
        var exact = 0
        for text in texts {
            let ids = tokenizer.encode(text)
            XCTAssertEqual(tokenizer.decode(ids), text, text.debugDescription)
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text, allowSpecial: false)), text)
            var stream = StreamingDecoder(tokenizer: tokenizer, skipSpecial: false)
            XCTAssertEqual(ids.map { stream.append($0) }.joined() + stream.finish(), text)
            if tokenizer.decode(ids) == text { exact += 1 }
        }
        print("round trip: \(exact)/\(texts.count) exact")
        // Individually split digits and special tokens, as the model was trained.
        XCTAssertEqual(tokenizer.encode("2024").count, 4)
        XCTAssertEqual(tokenizer.encode("<|im_end|>"), [2])
    }

    func testEncodingSpeed() throws {
        let tokenizer = try ModelVocabulary.tokenizer()
        var text = ""
        var rng = SystemRandomNumberGenerator()
        let words = ["the", "capital", "of", "France", "is", "Paris", "It's", "3.14159", "naïve", "日本語", "😀",
                     "tokenization", "\n\n", "  ", "don't", "Hello,", "world!", "2024", "speech-to-speech"]
        while text.utf8.count < 8192 {
            text += words.randomElement(using: &rng)! + (Bool.random(using: &rng) ? " " : "")
        }
        // Best of 5 runs, with the piece cache emptied before each cold run.
        var cold = Double.infinity, warm = Double.infinity
        var ids: [Int] = []
        for _ in 0..<5 {
            tokenizer.clearCache()
            let start = DispatchTime.now().uptimeNanoseconds
            ids = tokenizer.encode(text)
            let middle = DispatchTime.now().uptimeNanoseconds
            let again = tokenizer.encode(text)
            let end = DispatchTime.now().uptimeNanoseconds
            XCTAssertEqual(again, ids)
            cold = min(cold, Double(middle - start) / 1e6)
            warm = min(warm, Double(end - middle) / 1e6)
        }
        XCTAssertEqual(tokenizer.decode(ids), text)
        print(String(format: "encode %d bytes -> %d tokens: %.2f ms cold cache, %.2f ms warm", text.utf8.count, ids.count, cold, warm))
        XCTAssertLessThan(cold, 2000, "encoding 8 KB should take milliseconds, not seconds")
    }
}
