import Tensor

/// Multi-head self-attention with grouped key/value heads, optional RoPE and a KV cache.
public final class MultiHeadAttention: Module {
    public let wq: Linear   // [H·D, C]
    public let wk: Linear   // [KVH·D, C]
    public let wv: Linear   // [KVH·D, C]
    public let wo: Linear   // [C, H·D]
    public let heads: Int, kvHeads: Int, headDim: Int
    public let rope: RoPE?
    public let causal: Bool

    /// `bias` puts biases on every projection; `qkvBias` overrides it for the query, key and value ones.
    public init(dim: Int, heads: Int, kvHeads: Int, headDim: Int? = nil, bias: Bool = false, qkvBias: Bool? = nil,
                rope: RoPE?, causal: Bool = true, rng: inout SeededRandom) {
        let d = headDim ?? dim / heads
        self.heads = heads; self.kvHeads = kvHeads; self.headDim = d
        self.rope = rope; self.causal = causal
        wq = Linear(dim, heads * d, bias: qkvBias ?? bias, rng: &rng)
        wk = Linear(dim, kvHeads * d, bias: qkvBias ?? bias, rng: &rng)
        wv = Linear(dim, kvHeads * d, bias: qkvBias ?? bias, rng: &rng)
        wo = Linear(heads * d, dim, bias: bias, rng: &rng)
    }

    /// x [B, T, C] → [B, T, C]. With a cache, x holds the new positions only and the cache grows.
    public func callAsFunction(_ x: Tensor, cache: KVCache? = nil, keyPadding: Mask? = nil) -> Tensor {
        var q = wq(x), k = wk(x)
        let v = wv(x)
        let offset = cache?.length ?? 0
        if let rope {
            q = rope(q, heads: heads, offset: offset)
            k = rope(k, heads: kvHeads, offset: offset)
        }
        guard let cache else {
            return wo(Tensor.attention(q: q, k: k, v: v, heads: heads, kvHeads: kvHeads, causal: causal, keyPadding: keyPadding))
        }
        return wo(cache.appendAndAttend(q: q, k: k, v: v, heads: heads, causal: causal))
    }

    /// x [B, T, C] → [B, n, C] at the last n positions only: keys and values come from every
    /// position, queries from the last n (all that a loss on those positions needs).
    public func callAsFunction(_ x: Tensor, lastPositions n: Int, keyPadding: Mask? = nil) -> Tensor {
        let t = x.shape[1]
        guard n < t else { return self(x, keyPadding: keyPadding) }
        let start = t - n
        var q = wq(x.slice(axis: 1, start: start, length: n)), k = wk(x)
        let v = wv(x)
        if let rope {
            q = rope(q, heads: heads, offset: start)
            k = rope(k, heads: kvHeads)
        }
        return wo(Tensor.attention(q: q, k: k, v: v, heads: heads, kvHeads: kvHeads, causal: causal,
                                   queryOffset: start, keyPadding: keyPadding))
    }
}

/// Keys and values of earlier positions for incremental decoding (inference only, no gradients).
public final class KVCache {
    public let batch: Int, capacity: Int, width: Int
    public private(set) var length = 0
    let keys: TensorStorage     // [B, capacity, KVH·D]
    let values: TensorStorage   // [B, capacity, KVH·D]

    public init(batch: Int, capacity: Int, kvWidth: Int) {
        self.batch = batch; self.capacity = capacity; width = kvWidth
        keys = TensorStorage(uninitializedCount: batch * capacity * kvWidth)
        values = TensorStorage(uninitializedCount: batch * capacity * kvWidth)
    }

    public func reset() { length = 0 }

    /// Drops positions from `newLength` on (e.g. to rewind a conversation).
    public func truncate(to newLength: Int) { length = min(length, max(0, newLength)) }

    func appendAndAttend(q: Tensor, k: Tensor, v: Tensor, heads: Int, causal: Bool) -> Tensor {
        let t = k.shape[1]
        precondition(length + t <= capacity, "KV cache full: \(length) + \(t) positions exceed its capacity \(capacity)")
        for b in 0..<batch {
            (keys.base + (b * capacity + length) * width).update(from: k.data + b * t * width, count: t * width)
            (values.base + (b * capacity + length) * width).update(from: v.data + b * t * width, count: t * width)
        }
        let offset = length
        length += t
        let kvHeads = width / (q.shape[2] / heads)
        let shape = AttentionShape(batch: batch, queries: t, keys: length, heads: heads, kvHeads: kvHeads,
                                   headDim: q.shape[2] / heads, queryOffset: offset, causal: causal,
                                   kvBatchStride: capacity * width)
        let out = Tensor.empty(q.shape)
        let probs = UnsafeMutablePointer<Float>.allocate(capacity: batch * heads * t * length)
        defer { probs.deallocate() }
        Attention.forward(shape, q: q.data, k: keys.base, v: values.base, keyPadding: nil, probs: probs, out: out.data)
        return out
    }
}
