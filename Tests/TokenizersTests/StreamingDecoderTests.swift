import XCTest
@testable import Tokenizers

final class StreamingDecoderTests: XCTestCase {
    func testCompletePrefixLength() {
        XCTAssertEqual(StreamingDecoder.completePrefixLength(Array("ab".utf8)), 2)
        let emoji = Array("😀".utf8)  // 4 bytes
        for k in 1..<4 { XCTAssertEqual(StreamingDecoder.completePrefixLength(Array("a".utf8) + emoji.prefix(k)), 1) }
        XCTAssertEqual(StreamingDecoder.completePrefixLength(Array("a".utf8) + emoji), 5)
        XCTAssertEqual(StreamingDecoder.completePrefixLength([0x80, 0x80, 0x80, 0x80]), 4)  // stray continuations flow out
    }

    func testEmitsTextOnlyWhenCharactersComplete() throws {
        let tokenizer = try TinyVocabulary.tokenizer()
        let text = "é😀 ok"
        let ids = tokenizer.encode(text)
        var stream = StreamingDecoder(tokenizer: tokenizer)
        var chunks: [String] = []
        for id in ids { chunks.append(stream.append(id)) }
        chunks.append(stream.finish())
        XCTAssertEqual(chunks.joined(), text)
        XCTAssertTrue(chunks.contains(""), "byte tokens of a split character hold output back")
        XCTAssertFalse(chunks.joined().contains("\u{FFFD}"))
    }

    func testFinishFlushesIncompleteBytesAsReplacement() throws {
        let tokenizer = try TinyVocabulary.tokenizer()
        let firstByte = try XCTUnwrap(tokenizer.id(of: String(ByteLevel.scalarForByte[0xF0])))
        var stream = StreamingDecoder(tokenizer: tokenizer)
        XCTAssertEqual(stream.append(firstByte), "")
        XCTAssertEqual(stream.finish(), "\u{FFFD}")
        XCTAssertEqual(stream.finish(), "")
    }
}
