import Audio
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

/// Played from the first chunk on, the listener waits only where a chunk is ready after the audio before it has ended.
final class PlaybackWaitTests: XCTestCase {
    func chunk(_ index: Int, ready: Double, seconds: Double) -> SpokenChunk {
        SpokenChunk(index: index, segment: 0, tokens: 0..<1, words: [1],
                    audio: AudioClip(samples: [Float](repeating: 0, count: Int(seconds * 100)), sampleRate: 100), readySeconds: ready)
    }

    func testWaitsOnlyForChunksThatComeAfterThePlayedAudio() {
        // Ready at 1.0 (0.5 s long): plays to 1.5; the next ready at 1.2 plays on at once, to 2.5;
        // the third, ready at 3.0, makes the listener wait 0.5 s.
        let waits = EchoAnswerer.playbackWaits([chunk(0, ready: 1.0, seconds: 0.5), chunk(1, ready: 1.2, seconds: 1.0), chunk(2, ready: 3.0, seconds: 1.0)])
        XCTAssertEqual(waits.total, 0.5, accuracy: 1e-9)
        XCTAssertEqual(waits.longest, 0.5, accuracy: 1e-9)
        XCTAssertEqual(EchoAnswerer.playbackWaits([chunk(0, ready: 1.0, seconds: 2), chunk(1, ready: 2.9, seconds: 1)]).total, 0)
        XCTAssertEqual(EchoAnswerer.playbackWaits([]).total, 0)
    }
}
