import Foundation
import Formats
import Tensor

// MARK: - Prefill: many positions at once, as matrix products

extension LlamaInference {
    /// Appends `tokens` and returns the logits [V] after the last one (valid until the next call).
    @discardableResult
    public func prefill(_ tokens: [Int]) throws -> UnsafeBufferPointer<Float> {
        guard !tokens.isEmpty else { throw LlamaError.badInput("prefill needs at least one token") }
        for t in tokens { try checkToken(t) }
        try checkRoom(tokens.count)
        try withEmbeddings(of: tokens) { run($0, n: tokens.count, allLogits: nil) }
        return lastLogits
    }

    /// Appends positions given by input embeddings [n, C] (row-major, e.g. speech embeddings
    /// spliced into a prompt) and returns the logits [V] after the last one.
    @discardableResult
    public func prefill(embeddings: [Float]) throws -> UnsafeBufferPointer<Float> {
        let c = config.dim
        guard !embeddings.isEmpty, embeddings.count % c == 0 else {
            throw LlamaError.badInput("input embeddings must be rows of \(c) values; got \(embeddings.count) values")
        }
        let n = embeddings.count / c
        try checkRoom(n)
        let xs = UnsafeMutablePointer<Float>.allocate(capacity: n * c)
        defer { xs.deallocate() }
        embeddings.withUnsafeBufferPointer { xs.update(from: $0.baseAddress!, count: n * c) }
        run(xs, n: n, allLogits: nil)
        return lastLogits
    }

    /// Logits [n, V] of every position of `tokens`, appended to the cache (for checks and scoring).
    public func logitsOfEveryPosition(_ tokens: [Int]) throws -> [Float] {
        guard !tokens.isEmpty else { throw LlamaError.badInput("no tokens given") }
        for t in tokens { try checkToken(t) }
        try checkRoom(tokens.count)
        let v = config.vocabSize
        var out = [Float](repeating: 0, count: tokens.count * v)
        try withEmbeddings(of: tokens) { xs in
            out.withUnsafeMutableBufferPointer { run(xs, n: tokens.count, allLogits: $0.baseAddress!) }
        }
        return out
    }

    private func withEmbeddings(of tokens: [Int], _ body: (UnsafeMutablePointer<Float>) -> Void) throws {
        let c = config.dim
        let xs = UnsafeMutablePointer<Float>.allocate(capacity: tokens.count * c)
        defer { xs.deallocate() }
        for (i, t) in tokens.enumerated() { embedding.row(t, into: xs + i * c) }
        body(xs)
    }

    /// Runs `n` positions of input embeddings `xs` [n, C] (overwritten) in chunks; leaves the last
    /// position's hidden state and logits in the decode buffers, and every position's logits in
    /// `allLogits` [n, V] when given.
    func run(_ xs: UnsafeMutablePointer<Float>, n: Int, allLogits: UnsafeMutablePointer<Float>?) {
        let c = config
        var start = 0
        while start < n {
            let count = min(LlamaInference.prefillChunk, n - start)
            let chunk = xs + start * c.dim
            // Without every position's logits, the last block of the last chunk only needs the
            // last position past its keys and values.
            forwardChunk(chunk, n: count, lastBlockOnlyForLast: allLogits == nil && start + count == n)
            if let allLogits {
                let normed = UnsafeMutablePointer<Float>.allocate(capacity: count * c.dim)
                for i in 0..<count {
                    LlamaKernels.rmsNorm(chunk + i * c.dim, weight: outputNorm, eps: c.normEps, count: c.dim, into: normed + i * c.dim)
                }
                output.matmul(normed, n: count, allLogits + start * c.vocabSize)
                normed.deallocate()
            }
            start += count
        }
        LlamaKernels.rmsNorm(xs + (n - 1) * c.dim, weight: outputNorm, eps: c.normEps, count: c.dim, into: hiddenBuffer)
        output.matvec(hiddenBuffer, logitsBuffer)
    }

    /// The decoder blocks over `n` positions from `position` on; `xs` [n, C] becomes the residual stream
    /// (with `lastBlockOnlyForLast`, the last block stores every position's keys and values but
    /// updates only the last position's row).
    private func forwardChunk(_ xs: UnsafeMutablePointer<Float>, n: Int, lastBlockOnlyForLast: Bool) {
        let c = config, qw = c.heads * c.headDim, kvw = c.kvHeads * c.headDim, pos = position
        let qkvw = qw + 2 * kvw, f = c.ffnDim
        // One workspace, kept between calls (fresh pages would be zeroed by the kernel every time):
        // xb [n, C], qkv [n, Q | K | V], atts [n, H·D], h [n, gate | up].
        let sizes = [n * c.dim, n * qkvw, n * qw, n * 2 * f]
        let workspace = prefillWorkspace.reserve(sizes.reduce(0, +))
        var offsets = [0]
        for size in sizes { offsets.append(offsets.last! + size) }
        let (xb, qkv, atts, h) = (workspace + offsets[0], workspace + offsets[1], workspace + offsets[2], workspace + offsets[3])
        // Every parallel region of the prefill runs on the spinning pool, like the products (one set
        // of threads, no hand-off to a sleeping one).
        let pool = SpinningPool.shared
        let rowsPerTask = max(1, 16_384 / c.dim)
        // Rows first..<n of the residual, normalised into rows 0..<(n − first) of xb.
        func norm(_ w: [Float], from first: Int = 0) {
            pool.chunks(n - first, minChunk: rowsPerTask) { i0, i1 in
                for i in i0..<i1 {
                    LlamaKernels.rmsNorm(xs + (first + i) * c.dim, weight: w, eps: c.normEps, count: c.dim, into: xb + i * c.dim)
                }
            }
        }
        for (l, b) in blocks.enumerated() {
            let ks = keys + (l * capacity + pos) * kvw, vs = values + (l * capacity + pos) * kvw
            norm(b.attentionNorm)
            project([b.wq, b.wk, b.wv], xb, lda: c.dim, n: n, into: qkv)
            addLoRA(.q, layer: l, xb, lda: c.dim, n: n, into: qkv, ldy: qkvw)
            addLoRA(.k, layer: l, xb, lda: c.dim, n: n, into: qkv + qw, ldy: qkvw)
            addLoRA(.v, layer: l, xb, lda: c.dim, n: n, into: qkv + qw + kvw, ldy: qkvw)
            pool.chunks(n, minChunk: max(1, 16_384 / qkvw)) { i0, i1 in
                for i in i0..<i1 {
                    let row = qkv + i * qkvw
                    if let bias = b.qkvBias { LlamaKernels.add(bias, into: row, count: qkvw) }
                    self.rotary.apply(row, heads: c.heads, headDim: c.headDim, pos: pos + i)
                    self.rotary.apply(row + qw, heads: c.kvHeads, headDim: c.headDim, pos: pos + i)
                    (ks + i * kvw).update(from: row + qw, count: kvw)
                    (vs + i * kvw).update(from: row + qw + kvw, count: kvw)
                }
            }
            // The rest of the block updates rows first..<n of the residual.
            let first = lastBlockOnlyForLast && l == blocks.count - 1 ? n - 1 : 0, m = n - first
            let residual = xs + first * c.dim
            attendMany(layer: l, queries: qkv + first * qkvw, stride: qkvw, from: pos + first, n: m, into: atts)
            project([b.wo], atts, lda: qw, n: m, into: residual, accumulate: true)
            addLoRA(.o, layer: l, atts, lda: qw, n: m, into: residual, ldy: c.dim)
            norm(b.mlpNorm, from: first)
            project([b.gate, b.up], xb, lda: c.dim, n: m, into: h)
            addLoRA(.gate, layer: l, xb, lda: c.dim, n: m, into: h, ldy: 2 * f)
            addLoRA(.up, layer: l, xb, lda: c.dim, n: m, into: h + f, ldy: 2 * f)
            pool.chunks(m, minChunk: max(1, 8192 / f)) { i0, i1 in
                for i in i0..<i1 { LlamaKernels.swiglu(h + i * 2 * f, h + i * 2 * f + f, count: f) }
            }
            project([b.down], h, lda: 2 * f, n: m, into: residual, accumulate: true)
            addLoRA(.down, layer: l, h, lda: 2 * f, n: m, into: residual, ldy: c.dim)
        }
        position += n
    }

    /// out[n, Σ rows] = x[n, cols] (row stride `lda`) · [W₁; W₂; …]ᵀ, added to `out` when
    /// `accumulate` (the residual stream).
    private func project(_ matrices: [QuantizedMatrix], _ x: UnsafePointer<Float>, lda: Int, n: Int,
                         into out: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let total = matrices.reduce(0) { $0 + $1.rows }
        QuantizedMatrix.matmul(x, lda: lda, n: n, matrices, into: out, ldy: total, accumulate: accumulate)
    }

    /// Causal attention of `n` queries [n, H·D] (rows `stride` apart) at positions `first`, `first + 1`, …
    /// over the cache of `layer` (positions up to `first + i` for query i), in blocks of queries so that
    /// each block only scores the keys it sees. The query heads that share a key/value head are stacked,
    /// so each product covers the whole group. The (group, block) tasks go to the pool's threads largest
    /// first, claimed as they come; each runs single-threaded products in its thread's scratch.
    private func attendMany(layer: Int, queries qs: UnsafeMutablePointer<Float>, stride: Int, from first: Int, n: Int,
                            into atts: UnsafeMutablePointer<Float>) {
        let c = config, d = c.headDim, qw = c.heads * d, kvw = c.kvHeads * d, group = c.heads / c.kvHeads
        let scale = 1 / Float(d).squareRoot(), block = LlamaInference.queryBlock
        let kBase = keys + layer * capacity * kvw, vBase = values + layer * capacity * kvw
        var tasks: [(g: Int, r0: Int)] = []
        for r0 in Swift.stride(from: 0, to: n, by: block).reversed() { for g in 0..<c.kvHeads { tasks.append((g, r0)) } }
        SpinningPool.shared.run(tasks: tasks.count) { t in
            let (g, r0) = tasks[t]
            let rows = min(block, n - r0), seen = first + r0 + rows, stacked = group * rows
            // Scratch: scores [stacked, seen], then the stacked queries and outputs [stacked, d] each.
            let s = ThreadScratch.floats(stacked * (seen + 2 * d))
            let q = s + stacked * seen, o = q + stacked * d
            // Row j·rows + i of the stack is query i of head g·group + j.
            for j in 0..<group {
                for i in 0..<rows { (q + (j * rows + i) * d).update(from: qs + (r0 + i) * stride + (g * group + j) * d, count: d) }
            }
            gemm(transA: false, transB: true, m: stacked, n: seen, k: d, alpha: scale,
                 q, lda: d, kBase + g * d, ldb: kvw, s, ldc: seen)
            for row in 0..<stacked {
                let valid = first + r0 + row % rows + 1, scores = s + row * seen
                Softmax.row(scores, scores, valid)
                if valid < seen { (scores + valid).initialize(repeating: 0, count: seen - valid) }
            }
            gemm(transA: false, transB: false, m: stacked, n: d, k: seen, s, lda: seen, vBase + g * d, ldb: kvw, o, ldc: d)
            for j in 0..<group {
                for i in 0..<rows { (atts + (r0 + i) * qw + (g * group + j) * d).update(from: o + (j * rows + i) * d, count: d) }
            }
        }
    }
}
