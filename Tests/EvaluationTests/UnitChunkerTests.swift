import Evaluation
import XCTest

/// A streamed segment's unit words come out as they are decoded: a short first chunk, then longer ones,
/// then what is left; together they are the segment's words in order.
final class UnitChunkerTests: XCTestCase {
    func chunks(_ count: Int, sizes: ChunkSizes) -> [[Int32]] {
        var chunker = UnitChunker(sizes: sizes)
        var out: [[Int32]] = []
        for word in 0..<Int32(count) { if let chunk = chunker.add(word) { out.append(chunk) } }
        if let rest = chunker.finish() { out.append(rest) }
        return out
    }

    func testAShortFirstChunkThenLongerOnesThenTheRest() {
        let out = chunks(30, sizes: ChunkSizes(firstWords: 4, laterWords: 10))
        XCTAssertEqual(out.map(\.count), [4, 10, 10, 6])
        XCTAssertEqual(out.flatMap { $0 }, Array(0..<30))
    }

    func testExactSizesLeaveNothingAndEmptySegmentsNoChunk() {
        XCTAssertEqual(chunks(14, sizes: ChunkSizes(firstWords: 4, laterWords: 10)).map(\.count), [4, 10])
        XCTAssertEqual(chunks(0, sizes: ChunkSizes()), [])
        XCTAssertEqual(chunks(3, sizes: ChunkSizes()).map(\.count), [3])
        // Sizes below one word are one word.
        XCTAssertEqual(chunks(3, sizes: ChunkSizes(firstWords: 0, laterWords: -5)).map(\.count), [1, 1, 1])
    }
}
