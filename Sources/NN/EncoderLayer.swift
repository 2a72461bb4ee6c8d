import Tensor

/// One pre-norm bidirectional transformer layer: x + dropout(attn(LN(x))), then x + dropout(mlp(LN(x)))
/// with a GELU MLP; padded keys are masked. The speech encoder and the S2T adapter are built from it.
public final class EncoderLayer: Module {
    public let attentionNorm: LayerNorm
    public let attention: MultiHeadAttention
    public let mlpNorm: LayerNorm
    public let mlp: GELUMLP
    public let attentionDropout: Dropout
    public let mlpDropout: Dropout

    public init(dim: Int, heads: Int, ffnDim: Int, rope: RoPE?, normEps: Float, dropout: Float, rng: inout SeededRandom) {
        attentionNorm = LayerNorm(dim, eps: normEps)
        attention = MultiHeadAttention(dim: dim, heads: heads, kvHeads: heads, bias: true, rope: rope, causal: false, rng: &rng)
        mlpNorm = LayerNorm(dim, eps: normEps)
        mlp = GELUMLP(dim: dim, hidden: ffnDim, rng: &rng)
        var fork = rng   // mask generators that leave the weights' stream as it was
        attentionDropout = Dropout(dropout, seed: fork.next())
        mlpDropout = Dropout(dropout, seed: fork.next())
    }

    /// x [B, T, C] → [B, T, C].
    public func callAsFunction(_ x: Tensor, keyPadding: Mask?) -> Tensor {
        let h = x + attentionDropout(attention(attentionNorm(x), keyPadding: keyPadding))
        return h + mlpDropout(mlp(mlpNorm(h)))
    }
}
