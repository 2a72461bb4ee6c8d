import XCTest
@testable import Tokenizers

/// Merges, byte fallback and special tokens on a small hand-made vocabulary.
final class BPETokenizerTests: XCTestCase {
    private func ids(_ tokens: [String]) -> [Int] { tokens.map(TinyVocabulary.id) }

    func testMergesApplyByRank() throws {
        let t = try TinyVocabulary.tokenizer()
        XCTAssertEqual(t.encode("hello world"), ids(["hello", "Ġworld"]))
        XCTAssertEqual(t.encode("hell"), ids(["hell"]))
        XCTAssertEqual(t.encode("helo"), ids(["he", "l", "o"]))
        // "b c" has a lower rank than "a b": abc → a + bc.
        XCTAssertEqual(t.encode("abc"), ids(["a", "bc"]))
        // With the ranks swapped: abc → ab + c.
        let swapped = try TinyVocabulary.tokenizer(merges: ["a b", "b c"])
        XCTAssertEqual(swapped.encode("abc"), ids(["ab", "c"]))
        // Equal pairs merge leftmost first.
        XCTAssertEqual(t.encode("llll"), ids(["ll", "ll"]))
        XCTAssertEqual(t.encode("lll"), ids(["ll", "l"]))
    }

    func testMergesStayInsidePreTokenizedPieces() throws {
        let t = try TinyVocabulary.tokenizer()
        // "o" and "r" would merge, but a space is a piece boundary only where the regex says.
        XCTAssertEqual(t.encode("o r"), ids(["o", "Ġ", "r"]))
        let digits = try TinyVocabulary.tokenizer(pre: .digitsThenGPT2)
        XCTAssertEqual(digits.encode("12"), ids(["1", "2"]))
        XCTAssertEqual(try TinyVocabulary.tokenizer(pre: .gpt2).encode("12"), ids(["12"]))
    }

    func testBytesWithoutMergesFallBackToByteTokens() throws {
        let t = try TinyVocabulary.tokenizer()
        let text = "é中😀"
        let expected = Array(text.utf8).map { Int($0) }  // byte tokens are ids 0...255 in byte order
        XCTAssertEqual(t.encode(text), expected)
        XCTAssertEqual(t.decode(expected), text)
    }

    func testAngleByteTokensAndUnknown() throws {
        // No byte-level single tokens: bytes fall back to <0xHH> tokens, else the unknown token.
        var tokens = ["<unk>", "a"]
        tokens += (0..<256).filter { $0 != 0x61 && $0 != 0x62 }.map { String(format: "<0x%02X>", $0) }
        var types = [2, 1] + Array(repeating: 6, count: tokens.count - 2)
        tokens.append("<|end|>"); types.append(3)
        let t = try BPETokenizer(tokens: tokens, merges: [], tokenTypes: types, unknownID: 0)
        let newline = tokens.firstIndex(of: "<0x0A>")!
        XCTAssertEqual(t.encode("a\nb"), [1, newline, 0])
        XCTAssertEqual(t.decode([1, newline, 1]), "a\na")
        XCTAssertThrowsError(try BPETokenizer(tokens: ["a"], merges: [])) { error in
            XCTAssertEqual(error as? TokenizerError, .unrepresentableByte(0))
        }
    }

    func testSpecialTokensLongestMatchAndOptOut() throws {
        let t = try TinyVocabulary.tokenizer()
        let start = TinyVocabulary.id("<|im_start|>"), end = TinyVocabulary.id("<|im_end|>")
        XCTAssertEqual(t.encode("<|im_start|>hello<|im_end|>"), [start, TinyVocabulary.id("hello"), end])
        XCTAssertEqual(t.encode("<|x|>y"), [TinyVocabulary.id("<|x|>y")])
        XCTAssertEqual(t.encode("<|x|>z"), [TinyVocabulary.id("<|x|>"), TinyVocabulary.id("z")])
        XCTAssertEqual(t.encode("[tool]"), [TinyVocabulary.id("[tool]")])  // user-defined
        let plain = t.encode("<|im_start|>", allowSpecial: false)
        XCTAssertFalse(plain.contains(start))
        XCTAssertEqual(t.decode(plain), "<|im_start|>")
        XCTAssertEqual(t.encode("[tool]", allowSpecial: false), [TinyVocabulary.id("[tool]")])
        XCTAssertEqual(t.encode("hello", addBOS: true), [start, TinyVocabulary.id("hello")])
    }

    func testDecodeSkipsControlTokensOnRequest() throws {
        let t = try TinyVocabulary.tokenizer()
        let ids = t.encode("<|im_start|>hello world<|im_end|>")
        XCTAssertEqual(t.decode(ids), "<|im_start|>hello world<|im_end|>")
        XCTAssertEqual(t.decode(ids, skipSpecial: true), "hello world")
        XCTAssertEqual(t.decode([-1, 100_000]), "\u{FFFD}\u{FFFD}")
    }

    func testRoundTripTrickyStrings() throws {
        for pre in PreTokenizer.allCases {
            let t = try TinyVocabulary.tokenizer(pre: pre)
            for text in TrickyStrings.all {
                XCTAssertEqual(t.decode(t.encode(text)), text, "\(pre) on \(text.debugDescription)")
                XCTAssertEqual(t.decode(t.encode(text, allowSpecial: false)), text)
            }
        }
    }

    func testCacheGivesSameResultsAsFreshEncoding() throws {
        let t = try TinyVocabulary.tokenizer()
        let first = t.encode("hello hello world hello")
        XCTAssertEqual(t.encode("hello hello world hello"), first)
        XCTAssertEqual(first, ids(["hello", "Ġ", "hello", "Ġworld", "Ġ", "hello"]))
    }
}

/// Strings that stress byte handling, whitespace, digits and special tokens.
enum TrickyStrings {
    static let all = [
        "", " ", "\n", "  \t \n\n ", "Hello, world!", "It's, we're, I'LL, you've, 'd 'm",
        "3.14159 + 2,718 = 1234567890", "naïve café résumé Ωμέγα", "日本語のテキスト、中文。한국어",
        "emoji 😀👍🏽 👨‍👩‍👧 flags 🇫🇷", "mixed\twhite\u{00A0}space\u{2003}and\r\nCRLF\r",
        "<|im_start|>user\nHi<|im_end|>\n", "<|im_start", "e\u{0301} combining", "\u{FEFF}bom",
        "trailing spaces   ", "   ", "a\n\n\nb", "x" + String(repeating: "y", count: 300),
    ]
}
