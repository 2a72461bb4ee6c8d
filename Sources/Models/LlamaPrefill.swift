import Foundation
import Formats
import Tensor

// MARK: - Prefill: many positions at once through BLAS

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
            forwardChunk(chunk, n: count)
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

    /// The decoder blocks over `n` positions from `position` on; `xs` [n, C] becomes the residual stream.
    private func forwardChunk(_ xs: UnsafeMutablePointer<Float>, n: Int) {
        let c = config, qw = c.heads * c.headDim, kvw = c.kvHeads * c.headDim, pos = position
        let qkvw = qw + 2 * kvw, f = c.ffnDim
        let group = c.heads / c.kvHeads, blockRows = group * min(n, LlamaInference.queryBlock)
        // One workspace, kept between calls (fresh pages would be zeroed by the kernel every time):
        // xb [n, C], qkv [n, Q | K | V], atts [n, H·D], h [n, gate | up], attention scratch
        // per thread (scores [group·block, keys], then the group's queries and outputs), expanded weights.
        let sizes = [n * c.dim, n * qkvw, n * qw, n * 2 * f, Parallelism.cores * blockRows * (pos + n + 2 * c.headDim),
                     max(qkvw, 2 * f, c.dim) * max(c.dim, f, qw)]
        let workspace = prefillWorkspace.reserve(sizes.reduce(0, +))
        var offsets = [0]
        for size in sizes.dropLast() { offsets.append(offsets.last! + size) }
        let (xb, qkv, atts, h, s, weights) = (workspace + offsets[0], workspace + offsets[1], workspace + offsets[2],
                                               workspace + offsets[3], workspace + offsets[4], workspace + offsets[5])
        let rowsPerTask = max(1, 16_384 / c.dim)
        func norm(_ w: [Float]) {
            parallelChunks(n, minChunk: rowsPerTask) { i0, i1 in
                for i in i0..<i1 {
                    LlamaKernels.rmsNorm(xs + i * c.dim, weight: w, eps: c.normEps, count: c.dim, into: xb + i * c.dim)
                }
            }
        }
        for (l, b) in blocks.enumerated() {
            let ks = keys + (l * capacity + pos) * kvw, vs = values + (l * capacity + pos) * kvw
            norm(b.attentionNorm)
            project([b.wq, b.wk, b.wv], xb, lda: c.dim, n: n, into: qkv, weights: weights)
            parallelChunks(n, minChunk: max(1, 16_384 / qkvw)) { i0, i1 in
                for i in i0..<i1 {
                    let row = qkv + i * qkvw
                    self.rotary.apply(row, heads: c.heads, headDim: c.headDim, pos: pos + i)
                    self.rotary.apply(row + qw, heads: c.kvHeads, headDim: c.headDim, pos: pos + i)
                    (ks + i * kvw).update(from: row + qw, count: kvw)
                    (vs + i * kvw).update(from: row + qw + kvw, count: kvw)
                }
            }
            attendMany(layer: l, queries: qkv, stride: qkvw, n: n, scratch: s, into: atts)
            project([b.wo], atts, lda: qw, n: n, into: xs, accumulate: true, weights: weights)
            norm(b.mlpNorm)
            project([b.gate, b.up], xb, lda: c.dim, n: n, into: h, weights: weights)
            parallelChunks(n, minChunk: max(1, 8192 / f)) { i0, i1 in
                for i in i0..<i1 { LlamaKernels.swiglu(h + i * 2 * f, h + i * 2 * f + f, count: f) }
            }
            project([b.down], h, lda: 2 * f, n: n, into: xs, accumulate: true, weights: weights)
        }
        position += n
    }

    /// out[n, Σ rows] = x[n, cols] (row stride `lda`) · [W₁; W₂; …]ᵀ, added to `out` when
    /// `accumulate` (the residual stream): the matrices are expanded together into `weights` and
    /// multiplied in one BLAS call; a few rows use the compact kernels.
    private func project(_ matrices: [QuantizedMatrix], _ x: UnsafePointer<Float>, lda: Int, n: Int,
                         into out: UnsafeMutablePointer<Float>, accumulate: Bool = false, weights: UnsafeMutablePointer<Float>) {
        let cols = matrices[0].cols, total = matrices.reduce(0) { $0 + $1.rows }
        if n < LlamaInference.expandBelowRows {
            // Accumulating products go through a row of scratch, then onto the residual.
            let product = accumulate ? UnsafeMutablePointer<Float>.allocate(capacity: total) : nil
            defer { product?.deallocate() }
            for i in 0..<n {
                let row = product ?? out + i * total
                var products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)] = [], o = 0
                for m in matrices { products.append((m, row + o)); o += m.rows }
                QuantizedMatrix.matvec(x + i * lda, products)
                if let product { LlamaKernels.add(product, into: out + i * total, count: total) }
            }
            return
        }
        var o = 0
        for m in matrices { m.rows(0..<m.rows, into: weights + o * cols); o += m.rows }
        gemm(transA: false, transB: true, m: n, n: total, k: cols, x, lda: lda, weights, ldb: cols,
             beta: accumulate ? 1 : 0, out, ldc: total, splitColumns: true)
    }

    /// Causal attention of `n` new queries [n, H·D] (rows `stride` apart) over the cache of `layer` (positions up to
    /// `position + i` for query i), in blocks of queries so that each block only scores the keys it sees. The
    /// query heads that share a key/value head are stacked, so each product covers the whole group. The
    /// (group, block) tasks are shared out between the threads by their cost, each thread with its own
    /// scratch (`scratch` holds `Parallelism.cores` of them) and single-threaded products.
    private func attendMany(layer: Int, queries qs: UnsafeMutablePointer<Float>, stride: Int, n: Int,
                            scratch: UnsafeMutablePointer<Float>, into atts: UnsafeMutablePointer<Float>) {
        let c = config, d = c.headDim, qw = c.heads * d, kvw = c.kvHeads * d, group = c.heads / c.kvHeads
        let pos = position, scale = 1 / Float(d).squareRoot(), block = LlamaInference.queryBlock
        let kBase = keys + layer * capacity * kvw, vBase = values + layer * capacity * kvw
        let perThread = group * min(n, block) * (pos + n + 2 * d)
        // Tasks (group, first query), largest first, each to the thread with the least work so far.
        var tasks: [(g: Int, r0: Int)] = []
        for g in 0..<c.kvHeads { for r0 in Swift.stride(from: 0, to: n, by: block) { tasks.append((g, r0)) } }
        tasks.sort { $0.r0 > $1.r0 }
        let threads = min(Parallelism.cores, tasks.count)
        var load = [Int](repeating: 0, count: threads), assigned = [[(g: Int, r0: Int)]](repeating: [], count: threads)
        for t in tasks {
            let w = load.indices.min { load[$0] < load[$1] }!
            assigned[w].append(t)
            load[w] += min(block, n - t.r0) * (pos + t.r0 + block)
        }
        parallelChunks(threads, minChunk: 1) { w0, w1 in
            for w in w0..<w1 {
                let s = scratch + w * perThread
                for (g, r0) in assigned[w] {
                    let rows = min(block, n - r0), seen = pos + r0 + rows, stacked = group * rows
                    let q = s + stacked * seen, o = q + stacked * d
                    // Row j·rows + i of the stack is query i of head g·group + j.
                    for j in 0..<group {
                        for i in 0..<rows { (q + (j * rows + i) * d).update(from: qs + (r0 + i) * stride + (g * group + j) * d, count: d) }
                    }
                    gemm(transA: false, transB: true, m: stacked, n: seen, k: d, alpha: scale,
                         q, lda: d, kBase + g * d, ldb: kvw, s, ldc: seen)
                    for row in 0..<stacked {
                        let valid = pos + r0 + row % rows + 1, scores = s + row * seen
                        LlamaKernels.softmax(scores, count: valid)
                        if valid < seen { (scores + valid).initialize(repeating: 0, count: seen - valid) }
                    }
                    gemm(transA: false, transB: false, m: stacked, n: d, k: seen, s, lda: seen, vBase + g * d, ldb: kvw, o, ldc: d)
                    for j in 0..<group {
                        for i in 0..<rows { (atts + (r0 + i) * qw + (g * group + j) * d).update(from: o + (j * rows + i) * d, count: d) }
                    }
                }
            }
        }
    }
}
