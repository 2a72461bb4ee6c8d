import Tensor

/// Greedy (best-path) CTC decoding and the frame selection ("shrink") built on it.
///
/// All functions take per-frame scores [B, T, V] (logits or log-probabilities: the argmax is the same)
/// or an already computed best path (one label index per frame).
public enum CTCGreedy {
    /// A run of consecutive frames `start..<end` whose argmax is `label`.
    public struct Segment: Equatable, Sendable {
        public let label: Int
        public let start: Int
        public let end: Int
        public init(label: Int, start: Int, end: Int) { self.label = label; self.start = start; self.end = end }
    }

    // MARK: - Best path

    /// The argmax label of every valid frame of every item (`lengths` defaults to T for each item).
    public static func bestPaths(_ scores: Tensor, lengths: [Int]? = nil) throws -> [[Int]] {
        guard scores.rank == 3 else { throw CTCError("scores must be [B, T, V], got shape \(scores.shape)") }
        let (b, t, v) = (scores.shape[0], scores.shape[1], scores.shape[2])
        guard v > 0 else { throw CTCError("scores have an empty vocabulary dimension") }
        let frames = lengths ?? Array(repeating: t, count: b)
        guard frames.count == b else { throw CTCError("\(frames.count) lengths for a batch of \(b)") }
        return try (0..<b).map { i in
            guard frames[i] >= 0 && frames[i] <= t else { throw CTCError("length \(frames[i]) of item \(i) outside 0...\(t)") }
            return (0..<frames[i]).map { f in
                let row = scores.data + (i * t + f) * v
                var best = 0, bestValue = row[0]
                for k in 1..<v where row[k] > bestValue { best = k; bestValue = row[k] }
                return best
            }
        }
    }

    // MARK: - Decoding

    /// Label sequences: best path with repeats collapsed and blanks dropped.
    public static func decode(_ scores: Tensor, blank: Int = 0, lengths: [Int]? = nil) throws -> [[Int32]] {
        try bestPaths(scores, lengths: lengths).map { collapse($0, blank: blank) }
    }

    /// Collapses repeats of one path, then drops blanks ("a a _ a b b" → "a a b").
    public static func collapse(_ path: [Int], blank: Int = 0) -> [Int32] {
        segments(path).compactMap { $0.label == blank ? nil : Int32($0.label) }
    }

    /// Runs of equal labels along the path, in order (blank runs included).
    public static func segments(_ path: [Int]) -> [Segment] {
        var out: [Segment] = []
        var start = 0
        for f in 0..<path.count where f + 1 == path.count || path[f + 1] != path[f] {
            out.append(Segment(label: path[f], start: start, end: f + 1))
            start = f + 1
        }
        return out
    }

    // MARK: - Shrink

    /// Frames kept when shrinking a sequence with its CTC path: the first frame of every run, i.e. the
    /// frames where the argmax differs from the previous frame's (frame 0 always starts a run).
    /// Runs of `blank` are dropped unless `keepBlankRuns`; the kept frames of non-blank runs are then
    /// exactly one per label of `collapse(path)`, in order.
    public static func shrinkPositions(_ path: [Int], blank: Int = 0, keepBlankRuns: Bool = false) -> [Int] {
        segments(path).compactMap { keepBlankRuns || $0.label != blank ? $0.start : nil }
    }
}
