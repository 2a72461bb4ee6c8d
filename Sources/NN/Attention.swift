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
    public static func forward(_ s: AttentionShape, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               keyPadding: [Bool]?, probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(s.headDim).squareRoot()
        let (t, n, d) = (s.queries, s.keys, s.headDim)
        parallelChunks(s.batch * s.heads, minChunk: 1) { start, end in
            for bh in start..<end {
                let b = bh / s.heads, h = bh % s.heads, g = h / s.group
                let qp = q + b * t * s.qWidth + h * d
                let kp = k + b * s.kvBatchStride + g * d
                let vp = v + b * s.kvBatchStride + g * d
                let p = probs + bh * t * n
                gemm(transA: false, transB: true, m: t, n: n, k: d, alpha: scale, qp, lda: s.qWidth, kp, ldb: s.kvWidth, p, ldc: n)
                for i in 0..<t {
                    let row = p + i * n
                    let visible = s.visibleKeys(i)
                    if let keyPadding {
                        for j in 0..<visible where keyPadding[b * n + j] { row[j] = -.infinity }
                    }
                    Softmax.row(row, row, visible)
                    for j in visible..<n { row[j] = 0 }
                }
                gemm(transA: false, transB: false, m: t, n: d, k: n, p, lda: n, vp, ldb: s.kvWidth, out + b * t * s.qWidth + h * d, ldc: s.qWidth)
            }
        }
    }

    /// Gradients of Q, K, V from the output gradient gOut; gK and gV must start at zero.
    static func backward(_ s: AttentionShape, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                         probs: UnsafePointer<Float>, gOut: UnsafePointer<Float>,
                         gq: UnsafeMutablePointer<Float>, gk: UnsafeMutablePointer<Float>, gv: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(s.headDim).squareRoot()
        let (t, n, d) = (s.queries, s.keys, s.headDim)
        // One work item per (batch, kv head): the heads of a group add into the same gK, gV.
        parallelChunks(s.batch * s.kvHeads, minChunk: 1) { start, end in
            let dp = UnsafeMutablePointer<Float>.allocate(capacity: t * n)
            defer { dp.deallocate() }
            for bg in start..<end {
                let b = bg / s.kvHeads, g = bg % s.kvHeads
                let kp = k + b * s.kvBatchStride + g * d, vp = v + b * s.kvBatchStride + g * d
                let gkp = gk + b * s.kvBatchStride + g * d, gvp = gv + b * s.kvBatchStride + g * d
                for h in (g * s.group)..<((g + 1) * s.group) {
                    let p = probs + (b * s.heads + h) * t * n
                    let go = gOut + b * t * s.qWidth + h * d
                    let qp = q + b * t * s.qWidth + h * d
                    // gV += Pᵀ·gO ; dP = gO·Vᵀ
                    gemm(transA: true, transB: false, m: n, n: d, k: t, p, lda: n, go, ldb: s.qWidth, beta: 1, gvp, ldc: s.kvWidth)
                    gemm(transA: false, transB: true, m: t, n: n, k: d, go, lda: s.qWidth, vp, ldb: s.kvWidth, dp, ldc: n)
                    // dS = P ⊙ (dP − Σ dP·P), scaled by 1/√D
                    for i in 0..<t {
                        let pr = p + i * n, dr = dp + i * n
                        let visible = s.visibleKeys(i)
                        let dot = Kernels.dot(pr, dr, count: visible)
                        for j in 0..<visible { dr[j] = pr[j] * (dr[j] - dot) * scale }
                        for j in visible..<n { dr[j] = 0 }
                    }
                    // gQ = dS·K ; gK += dSᵀ·Q
                    gemm(transA: false, transB: false, m: t, n: d, k: n, dp, lda: n, kp, ldb: s.kvWidth, gq + b * t * s.qWidth + h * d, ldc: s.qWidth)
                    gemm(transA: true, transB: false, m: n, n: d, k: t, dp, lda: n, qp, ldb: s.qWidth, beta: 1, gkp, ldc: s.kvWidth)
                }
            }
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
