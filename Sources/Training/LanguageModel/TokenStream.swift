import Tensor

/// A token sequence to train a language model on, cut into random windows.
public struct TokenStream: Sendable {
    public let tokens: [Int32]
    public init(tokens: [Int32]) { self.tokens = tokens }

    /// `batch` windows of `length + 1` tokens at positions drawn from `rng`, flattened [B, T+1].
    public func sampleBatch(batch: Int, length: Int, rng: inout SeededRandom) -> [Int32] {
        precondition(tokens.count > length + 1, "the text has \(tokens.count) tokens, fewer than one window of \(length + 1): use a longer text or a shorter sequence length")
        var out: [Int32] = []
        out.reserveCapacity(batch * (length + 1))
        for _ in 0..<batch {
            let start = rng.int(below: tokens.count - length - 1)
            out += tokens[start...(start + length)]
        }
        return out
    }
}
