import Evaluation
import XCTest

/// The streaming cut: a local maximum of cos(H, "." row), decided `window` tokens late, once the
/// segment is long enough (or shorter with a high similarity).
final class SpeechSegmenterTests: XCTestCase {
    /// Hidden states [2] whose cosine with the anchor (1, 0) is each given value.
    func states(_ cosines: [Float]) -> [[Float]] { cosines.map { [$0, (1 - $0 * $0).squareRoot()] } }

    func cuts(_ cosines: [Float], rule: SegmentRule) -> [Range<Int>] {
        var segmenter = SpeechSegmenter(rule: rule, stopRow: [3, 0])
        var out: [Range<Int>] = []
        for state in states(cosines) {
            if let cut = state.withUnsafeBufferPointer({ segmenter.add($0) }) { out.append(cut) }
        }
        if let last = segmenter.finish() { out.append(last) }
        return out
    }

    func testCutsAtASentenceEndOnceTheSegmentIsLongEnough() {
        var rule = SegmentRule()
        rule.window = 2; rule.shortSegment = 4; rule.longSegment = 10; rule.similarity = 0.5
        // A high peak at token 2 is too early (segment of 3 < 4); the peak at token 6 cuts 0..<7.
        let cosines: [Float] = [0, 0.1, 0.9, 0.1, 0, 0.2, 0.8, 0.1, 0, 0, 0.1, 0]
        XCTAssertEqual(cuts(cosines, rule: rule), [0..<7, 7..<12])
    }

    func testALongSegmentIsCutAtItsLocalMaximumEvenWithALowSimilarity() {
        var rule = SegmentRule()
        rule.window = 2; rule.shortSegment = 3; rule.longSegment = 6; rule.similarity = 0.9
        let cosines: [Float] = [0, 0.1, 0.2, 0.1, 0, 0.05, 0.3, 0.1, 0, 0, 0]
        // No value above 0.9: the first local maximum of a segment of ≥ 6 tokens is token 6.
        XCTAssertEqual(cuts(cosines, rule: rule), [0..<7, 7..<11])
    }

    func testTheDecisionWaitsForTheWindowAndTheRestIsTheLastSegment() {
        var rule = SegmentRule()
        rule.window = 3; rule.shortSegment = 2; rule.longSegment = 50; rule.similarity = 0.5
        var segmenter = SpeechSegmenter(rule: rule, stopRow: [1, 0])
        let all = states([0, 0.9, 0, 0.95, 0, 0])
        var cuts: [Range<Int>?] = []
        for state in all { cuts.append(state.withUnsafeBufferPointer { segmenter.add($0) }) }
        // Token 1 (0.9) is no maximum within ±3 (token 3 has 0.95); token 3 is, known at token 6 only.
        XCTAssertEqual(cuts.compactMap { $0 }, [])
        XCTAssertEqual(segmenter.finish(), 0..<6)
        XCTAssertNil(segmenter.finish(), "nothing is left")
        XCTAssertThrowsError(try { var bad = SegmentRule(); bad.longSegment = 1; bad.shortSegment = 5; try bad.validate() }())
    }
}
