import Foundation
import Tensor

/// When a streaming answer's text is cut into segments that are spoken while the text goes on
/// (the official streaming inference): at a local maximum of the similarity between each token's
/// hidden state and the LM-head row of ".", decided `window` tokens late, once the segment has
/// `longSegment` tokens, or `shortSegment` tokens with a similarity above `similarity`.
public struct SegmentRule: Codable, Equatable, Sendable {
    public var window = 5
    public var longSegment = 50
    public var shortSegment = 20
    public var similarity: Float = 0.1
    public init() {}

    public func validate() throws {
        guard window >= 1, shortSegment >= 1, longSegment >= shortSegment else {
            throw EvaluationError("segment rule: window ≥ 1 and 1 ≤ short ≤ long segment, got window \(window), short \(shortSegment), long \(longSegment)")
        }
    }
}

/// Cuts a stream of hidden states into segments by `SegmentRule`.
public struct SpeechSegmenter {
    public let rule: SegmentRule
    /// The LM-head row of the full stop.
    let anchor: [Float]
    /// cos(H_t, LM-head row of ".") of every token so far.
    public private(set) var similarities: [Float] = []
    /// Where the open segment starts.
    public private(set) var start = 0

    public init(rule: SegmentRule, stopRow: [Float]) {
        self.rule = rule
        anchor = stopRow
    }

    /// Takes the next token's hidden state; returns the segment it lets close (token positions), if any.
    public mutating func add(_ hidden: UnsafeBufferPointer<Float>) -> Range<Int>? {
        precondition(hidden.count == anchor.count, "a hidden state of \(hidden.count) values for an LM head of \(anchor.count)")
        similarities.append(Kernels.cosine(hidden.baseAddress!, anchor, count: anchor.count))
        let candidate = similarities.count - 1 - rule.window
        guard candidate >= start else { return nil }
        let length = candidate - start + 1
        let value = similarities[candidate]
        guard length >= rule.longSegment || (length >= rule.shortSegment && value > rule.similarity) else { return nil }
        let neighbourhood = similarities[max(start, candidate - rule.window)...]
        guard neighbourhood.allSatisfy({ $0 <= value }) else { return nil }
        defer { start = candidate + 1 }
        return start..<(candidate + 1)
    }

    /// The last, open segment once the text has ended (nil when it is empty).
    public mutating func finish() -> Range<Int>? {
        guard start < similarities.count else { return nil }
        defer { start = similarities.count }
        return start..<similarities.count
    }
}
