import Foundation
import Tensor

// MARK: - Scaled dot-product attention over [B, T, H·D] layouts (forward and backward side by side)

/// Shapes and masking of one attention call. Heads are read in place from the [B, T, H·D]
/// projections (BLAS leading dimensions), so no transposes are materialised.
public struct AttentionShape {
    public var batch: Int, queries: Int, keys: Int
    public var heads: Int, kvHeads: Int, headDim: Int
    /// Query i sits at absolute position `queryOffset + i`; key j at position j.
    public var queryOffset = 0
    public var causal = true
    /// Elements between consecutive batch items of K and V (a KV cache is longer than its fill).
    public var kvBatchStride: Int

    public init(batch: Int, queries: Int, keys: Int, heads: Int, kvHeads: Int, headDim: Int,
                queryOffset: Int = 0, causal: Bool = true, kvBatchStride: Int? = nil) {
        precondition(heads % kvHeads == 0, "\(heads) query heads cannot share \(kvHeads) key/value heads")
        self.batch = batch; self.queries = queries; self.keys = keys
        self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim
        self.queryOffset = queryOffset; self.causal = causal
        self.kvBatchStride = kvBatchStride ?? keys * kvHeads * headDim
    }

    var qWidth: Int { heads * headDim }
    var kvWidth: Int { kvHeads * headDim }
    var group: Int { heads / kvHeads }
    /// Keys visible to query i.
    @inline(__always) func visibleKeys(_ i: Int) -> Int { causal ? min(keys, queryOffset + i + 1) : keys }
}

public enum Attention {
    /// softmax(Q·Kᵀ/√D + mask)·V. `probs` receives P [B, H, T, S]; `keyPadding` [B·S], true = masked.
    ///
    /// The query heads of a key/value group are gathered into one [G·T, D] block, so that each
    /// product covers the whole group (three times the rows of a per-head product for GQA 9/3).
    public static func forward(_ s: AttentionShape, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               keyPadding: [Bool]?, probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(s.headDim).squareRoot()
        let (t, n, d, rows) = (s.queries, s.keys, s.headDim, s.group * s.queries)
        parallelChunks(s.batch * s.kvHeads, minChunk: 1) { start, end in
            let scratch = ThreadScratch.floats(2 * rows * d)
            let qg = scratch, og = scratch + rows * d  // [G·T, D] each
            for bg in start..<end {
                let b = bg / s.kvHeads, g = bg % s.kvHeads
                let kp = k + b * s.kvBatchStride + g * d
                let vp = v + b * s.kvBatchStride + g * d
                let p = probs + (b * s.heads + g * s.group) * t * n   // [G·T, S]
                gatherGroup(s, q, b: b, g: g, into: qg)
                gemm(transA: false, transB: true, m: rows, n: n, k: d, alpha: scale, qg, lda: d, kp, ldb: s.kvWidth, p, ldc: n)
                for r in 0..<rows {
                    let row = p + r * n
                    let visible = s.visibleKeys(r % t)
                    if let keyPadding {
                        for j in 0..<visible where keyPadding[b * n + j] { row[j] = -.infinity }
                    }
                    Softmax.row(row, row, visible)
                    for j in visible..<n { row[j] = 0 }
                }
                gemm(transA: false, transB: false, m: rows, n: d, k: n, p, lda: n, vp, ldb: s.kvWidth, og, ldc: d)
                scatterGroup(s, og, b: b, g: g, into: out)
            }
        }
    }

    /// Gradients of Q, K, V from the output gradient gOut; gK and gV must start at zero.
    static func backward(_ s: AttentionShape, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                         probs: UnsafePointer<Float>, gOut: UnsafePointer<Float>,
                         gq: UnsafeMutablePointer<Float>, gk: UnsafeMutablePointer<Float>, gv: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(s.headDim).squareRoot()
        let (t, n, d, rows) = (s.queries, s.keys, s.headDim, s.group * s.queries)
        // One work item per (batch, kv head): the heads of a group add into the same gK, gV.
        parallelChunks(s.batch * s.kvHeads, minChunk: 1) { start, end in
            let scratch = ThreadScratch.floats(rows * n + 3 * rows * d)
            let dp = scratch                                   // [G·T, S]
            let qg = dp + rows * n, gog = qg + rows * d, gqg = gog + rows * d  // [G·T, D] each
            for bg in start..<end {
                let b = bg / s.kvHeads, g = bg % s.kvHeads
                let kp = k + b * s.kvBatchStride + g * d, vp = v + b * s.kvBatchStride + g * d
                let gkp = gk + b * s.kvBatchStride + g * d, gvp = gv + b * s.kvBatchStride + g * d
                let p = probs + (b * s.heads + g * s.group) * t * n
                gatherGroup(s, q, b: b, g: g, into: qg)
                gatherGroup(s, gOut, b: b, g: g, into: gog)
                // gV += Pᵀ·gO ; dP = gO·Vᵀ
                gemm(transA: true, transB: false, m: n, n: d, k: rows, p, lda: n, gog, ldb: d, beta: 1, gvp, ldc: s.kvWidth)
                gemm(transA: false, transB: true, m: rows, n: n, k: d, gog, lda: d, vp, ldb: s.kvWidth, dp, ldc: n)
                // dS = P ⊙ (dP − Σ dP·P), scaled by 1/√D
                for r in 0..<rows {
                    let pr = p + r * n, dr = dp + r * n
                    let visible = s.visibleKeys(r % t)
                    let dot = Kernels.dot(pr, dr, count: visible)
                    for j in 0..<visible { dr[j] = pr[j] * (dr[j] - dot) * scale }
                    for j in visible..<n { dr[j] = 0 }
                }
                // gQ = dS·K ; gK += dSᵀ·Q
                gemm(transA: false, transB: false, m: rows, n: d, k: n, dp, lda: n, kp, ldb: s.kvWidth, gqg, ldc: d)
                gemm(transA: true, transB: false, m: n, n: d, k: rows, dp, lda: n, qg, ldb: d, beta: 1, gkp, ldc: s.kvWidth)
                scatterGroup(s, gqg, b: b, g: g, into: gq)
            }
        }
    }

    /// Copies the query-width rows of group `g`'s heads of batch item `b` from x [B, T, H·D] into
    /// `block` [G·T, D] (head-major).
    @inline(__always)
    static func gatherGroup(_ s: AttentionShape, _ x: UnsafePointer<Float>, b: Int, g: Int, into block: UnsafeMutablePointer<Float>) {
        let (t, d) = (s.queries, s.headDim)
        for hh in 0..<s.group {
            let src = x + b * t * s.qWidth + (g * s.group + hh) * d
            for i in 0..<t { (block + (hh * t + i) * d).update(from: src + i * s.qWidth, count: d) }
        }
    }

    /// The inverse of `gatherGroup`: writes `block` [G·T, D] back into x [B, T, H·D].
    @inline(__always)
    static func scatterGroup(_ s: AttentionShape, _ block: UnsafePointer<Float>, b: Int, g: Int, into x: UnsafeMutablePointer<Float>) {
        let (t, d) = (s.queries, s.headDim)
        for hh in 0..<s.group {
            let dst = x + b * t * s.qWidth + (g * s.group + hh) * d
            for i in 0..<t { (dst + i * s.qWidth).update(from: block + (hh * t + i) * d, count: d) }
        }
    }
}

extension Tensor {
    /// Attention of q [B, T, H·D] over k, v [B, S, KVH·D] (grouped heads share keys and values).
    /// `keyPadding` is [B, S] with true for keys to ignore.
    public static func attention(q: Tensor, k: Tensor, v: Tensor, heads: Int, kvHeads: Int,
                                 causal: Bool = true, queryOffset: Int = 0, keyPadding: Mask? = nil) -> Tensor {
        let b = q.shape[0], t = q.shape[1], n = k.shape[1]
        let d = q.shape[2] / heads
        precondition(k.shape == [b, n, kvHeads * d] && v.shape == k.shape,
                     "attention shapes: q \(q.shape), k \(k.shape), v \(v.shape) for \(heads)/\(kvHeads) heads")
        if let keyPadding { precondition(keyPadding.shape == [b, n], "key padding mask must be [B, S] = \([b, n])") }
        let shape = AttentionShape(batch: b, queries: t, keys: n, heads: heads, kvHeads: kvHeads, headDim: d,
                                   queryOffset: queryOffset, causal: causal)
        let out = Tensor.empty(q.shape)
        let probs = TensorStorage(uninitializedCount: b * heads * t * n)
        Attention.forward(shape, q: q.data, k: k.data, v: v.data, keyPadding: keyPadding?.values, probs: probs.base, out: out.data)
        return result(out, parents: [q, k, v]) { g in
            let gq = Tensor.empty(q.shape), gk = Tensor(zeros: k.shape), gv = Tensor(zeros: v.shape)
            Attention.backward(shape, q: q.data, k: k.data, v: v.data, probs: probs.base, gOut: g.data,
                               gq: gq.data, gk: gk.data, gv: gv.data)
            q.accumulateGrad(gq)
            k.accumulateGrad(gk)
            v.accumulateGrad(gv)
        }
    }
}
