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
        let xb = UnsafeMutablePointer<Float>.allocate(capacity: n * max(c.dim, qw))
        let qs = UnsafeMutablePointer<Float>.allocate(capacity: n * qw)
        let atts = UnsafeMutablePointer<Float>.allocate(capacity: n * qw)
        let h1 = UnsafeMutablePointer<Float>.allocate(capacity: n * c.ffnDim)
        let h2 = UnsafeMutablePointer<Float>.allocate(capacity: n * c.ffnDim)
        let s = UnsafeMutablePointer<Float>.allocate(capacity: min(n, LlamaInference.queryBlock) * (pos + n))
        defer { for p in [xb, qs, atts, h1, h2, s] { p.deallocate() } }
        let rowsPerTask = max(1, 16_384 / c.dim)
        for (l, b) in blocks.enumerated() {
            let ks = keys + (l * capacity + pos) * kvw, vs = values + (l * capacity + pos) * kvw
            parallelChunks(n, minChunk: rowsPerTask) { i0, i1 in
                for i in i0..<i1 {
                    LlamaKernels.rmsNorm(xs + i * c.dim, weight: b.attentionNorm, eps: c.normEps, count: c.dim, into: xb + i * c.dim)
                }
            }
            b.wq.matmul(xb, n: n, qs)
            b.wk.matmul(xb, n: n, ks)
            b.wv.matmul(xb, n: n, vs)
            for i in 0..<n {
                rotary.apply(qs + i * qw, heads: c.heads, headDim: c.headDim, pos: pos + i)
                rotary.apply(ks + i * kvw, heads: c.kvHeads, headDim: c.headDim, pos: pos + i)
            }
            attendMany(layer: l, queries: qs, n: n, scratch: s, into: atts)
            b.wo.matmul(atts, n: n, xb)
            LlamaKernels.add(xb, into: xs, count: n * c.dim)
            parallelChunks(n, minChunk: rowsPerTask) { i0, i1 in
                for i in i0..<i1 {
                    LlamaKernels.rmsNorm(xs + i * c.dim, weight: b.mlpNorm, eps: c.normEps, count: c.dim, into: xb + i * c.dim)
                }
            }
            b.gate.matmul(xb, n: n, h1)
            b.up.matmul(xb, n: n, h2)
            parallelChunks(n * c.ffnDim, minChunk: 16_384) { i0, i1 in
                LlamaKernels.swiglu(h1 + i0, h2 + i0, count: i1 - i0)
            }
            b.down.matmul(h1, n: n, xb)
            LlamaKernels.add(xb, into: xs, count: n * c.dim)
        }
        position += n
    }

    /// Causal attention of `n` new queries [n, H·D] over the cache of `layer` (positions up to
    /// `position + i` for query i), in blocks of queries so that each block only scores the keys it sees.
    private func attendMany(layer: Int, queries qs: UnsafeMutablePointer<Float>, n: Int,
                            scratch s: UnsafeMutablePointer<Float>, into atts: UnsafeMutablePointer<Float>) {
        let c = config, d = c.headDim, qw = c.heads * d, kvw = c.kvHeads * d, group = c.heads / c.kvHeads
        let pos = position, scale = 1 / Float(d).squareRoot()
        let kBase = keys + layer * capacity * kvw, vBase = values + layer * capacity * kvw
        var r0 = 0
        while r0 < n {
            let rows = min(LlamaInference.queryBlock, n - r0), seen = pos + r0 + rows
            for h in 0..<c.heads {
                let g = h / group
                gemm(transA: false, transB: true, m: rows, n: seen, k: d, alpha: scale,
                     qs + r0 * qw + h * d, lda: qw, kBase + g * d, ldb: kvw, s, ldc: seen)
                parallelChunks(rows, minChunk: max(1, 8192 / seen)) { i0, i1 in
                    for i in i0..<i1 {
                        let valid = pos + r0 + i + 1, row = s + i * seen
                        LlamaKernels.softmax(row, count: valid)
                        if valid < seen { (row + valid).initialize(repeating: 0, count: seen - valid) }
                    }
                }
                gemm(transA: false, transB: false, m: rows, n: d, k: seen,
                     s, lda: seen, vBase + g * d, ldb: kvw, atts + r0 * qw + h * d, ldc: qw)
            }
            r0 += rows
        }
    }
}
