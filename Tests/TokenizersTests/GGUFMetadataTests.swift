import XCTest
import Formats
@testable import Tokenizers

/// Building from GGUF metadata, and the errors for metadata that does not describe a usable tokenizer.
final class GGUFMetadataTests: XCTestCase {
    func testBuildsFromMetadata() throws {
        let t = try BPETokenizer(metadata: TinyVocabulary.metadata)
        XCTAssertEqual(t.vocabularySize, TinyVocabulary.tokens.count)
        XCTAssertTrue(t.addsBOS)
        XCTAssertEqual(t.bosID, TinyVocabulary.id("<|im_start|>"))
        XCTAssertEqual(t.tokenTypes[TinyVocabulary.id("[tool]")], .userDefined)
        XCTAssertEqual(t.encode("hello world"), [TinyVocabulary.id("hello"), TinyVocabulary.id("Ġworld")])
    }

    private func assertError(_ change: (inout [String: GGUFValue]) -> Void, contains text: String, line: UInt = #line) {
        var metadata = TinyVocabulary.metadata
        change(&metadata)
        XCTAssertThrowsError(try BPETokenizer(metadata: metadata), line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
        }
    }

    func testClearErrors() {
        assertError({ $0["tokenizer.ggml.model"] = .string("llama") }, contains: "'llama' is not supported")
        assertError({ $0["tokenizer.ggml.model"] = nil }, contains: "'tokenizer.ggml.model' is missing")
        assertError({ $0["tokenizer.ggml.tokens"] = nil }, contains: "'tokenizer.ggml.tokens' is missing")
        assertError({ $0["tokenizer.ggml.tokens"] = .array([.string("a"), .uint8(1)]) }, contains: "array of strings")
        assertError({ $0["tokenizer.ggml.merges"] = .array([.string("h e"), .string("he")]) }, contains: "merge #1")
        assertError({ $0["tokenizer.ggml.merges"] = .array([.string("q z")]) }, contains: "not in the vocabulary")
        assertError({ $0["tokenizer.ggml.token_type"] = .array([.int32(1)]) }, contains: "has 1 entries")
        assertError({ $0["tokenizer.ggml.bos_token_id"] = .uint32(999_999) }, contains: "outside the vocabulary")
        assertError({ $0["tokenizer.ggml.pre"] = .string("mystery") }, contains: "'mystery' is not supported")
        assertError({ $0["tokenizer.ggml.add_bos_token"] = .string("yes") }, contains: "a bool")
        assertError({ $0["tokenizer.ggml.tokens"] = .array([]) }, contains: "empty")
    }
}
