import XCTest
@testable import Tokenizers

/// Each scanner against splits produced by the published regexes (Python `regex` module).
final class PreTokenizerTests: XCTestCase {
    private func check(_ text: String, _ expected: [PreTokenizer: [String]], line: UInt = #line) {
        for (style, pieces) in expected {
            XCTAssertEqual(style.split(text), pieces, "\(style) on \(text.debugDescription)", line: line)
        }
    }

    func testNumbersAndContractions() {
        check("Hello, world! It's 2024.", [
            .gpt2: ["Hello", ",", " world", "!", " It", "'s", " 2024", "."],
            .llama3: ["Hello", ",", " world", "!", " It", "'s", " ", "202", "4", "."],
            .qwen2: ["Hello", ",", " world", "!", " It", "'s", " ", "2", "0", "2", "4", "."],
            .digitsThenGPT2: ["Hello", ",", " world", "!", " It", "'s", " ", "2", "0", "2", "4", "."],
        ])
    }

    func testContractionCaseOnlyIgnoredByLlama3() {
        check("I'M here, you'RE there, they'll've", [
            .gpt2: ["I", "'", "M", " here", ",", " you", "'", "RE", " there", ",", " they", "'ll", "'ve"],
            .llama3: ["I", "'M", " here", ",", " you", "'RE", " there", ",", " they", "'ll", "'ve"],
            .qwen2: ["I", "'M", " here", ",", " you", "'RE", " there", ",", " they", "'ll", "'ve"],
        ])
    }

    func testWhitespaceTabsAndNewlines() {
        check("  leading\tand\ttabs\n\nnew lines  ", [
            .gpt2: [" ", " leading", "\t", "and", "\t", "tabs", "\n", "\n", "new", " lines", "  "],
            .llama3: [" ", " leading", "\tand", "\ttabs", "\n\n", "new", " lines", "  "],
            .digitsThenGPT2: [" ", " leading", "\t", "and", "\t", "tabs", "\n", "\n", "new", " lines", "  "],
        ])
        check("a  b\n \n c", [.gpt2: ["a", " ", " b", "\n \n", " c"], .llama3: ["a", " ", " b", "\n \n", " c"]])
        check("don't\r\n\r\nstop...\n", [
            .gpt2: ["don", "'t", "\r\n\r", "\n", "stop", "...", "\n"],
            .llama3: ["don", "'t", "\r\n\r\n", "stop", "...\n"],
        ])
    }

    func testUnicodeCategories() {
        check("x.'s 12345 ½Ⅻ", [
            .gpt2: ["x", ".'", "s", " 12345", " ½Ⅻ"],
            .llama3: ["x", ".'", "s", " ", "123", "45", " ", "½Ⅻ"],
            .qwen2: ["x", ".'", "s", " ", "1", "2", "3", "4", "5", " ", "½", "Ⅻ"],
            .digitsThenGPT2: ["x", ".'", "s", " ", "1", "2", "3", "4", "5", " ", "½", "Ⅻ"],
        ])
        check("中文 café 😀👍!!\n", [
            .gpt2: ["中文", " café", " 😀👍!!", "\n"],
            .llama3: ["中文", " café", " 😀👍!!\n"],
        ])
    }

    func testPiecesAlwaysConcatenateToInput() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("aZ \t\n\r'sLL1٣½é中😀.!-\u{00A0}\u{0301}\u{2028}")
        for _ in 0..<300 {
            let text = String((0..<Int.random(in: 0...30, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            for style in PreTokenizer.allCases {
                let pieces = style.split(text)
                XCTAssertEqual(pieces.joined(), text)
                XCTAssertFalse(pieces.contains(""))
            }
        }
    }

    func testNamesFromGGUF() throws {
        XCTAssertEqual(try PreTokenizer.named("smollm"), .digitsThenGPT2)
        XCTAssertEqual(try PreTokenizer.named("llama-bpe"), .llama3)
        XCTAssertEqual(try PreTokenizer.named("qwen2"), .qwen2)
        XCTAssertEqual(try PreTokenizer.named("gpt2"), .gpt2)
        XCTAssertEqual(try PreTokenizer.named("default"), .gpt2)
        XCTAssertEqual(try PreTokenizer.named(nil), .gpt2)
        XCTAssertThrowsError(try PreTokenizer.named("no-such-style")) { error in
            XCTAssertTrue("\(error)".contains("no-such-style"))
        }
    }
}
