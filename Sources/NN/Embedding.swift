import Tensor

/// Token embeddings: a [V, C] table looked up by id.
public final class Embedding: Module {
    public let weight: Tensor   // [V, C]

    public init(_ count: Int, _ dim: Int, std: Float = 0.02, rng: inout SeededRandom) {
        weight = Init.normal([count, dim], std: std, rng: &rng)
    }

    public init(weight: Tensor) { self.weight = weight }

    /// ids [B, T] → [B, T, C]
    public func callAsFunction(_ ids: [Int32], shape: [Int]) -> Tensor { weight.embedding(ids, shape: shape) }
}
