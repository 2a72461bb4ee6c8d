import Tensor

// MARK: - LoRA adapters on the inference engine

extension LlamaInference {
    /// Answers with `lora`'s adapters from the next position on: after each projection they name,
    /// y += scale · B · (A · x) in float32, beside the compact base weights, in every path (`step`,
    /// `prefill`, `logitsOfEveryPosition`, batched steps). Positions already in the cache keep the
    /// keys and values they had; `reset()` to start over. Engines made afterwards with
    /// `init(sharingWeightsOf:)` get the same adapters. Throws, changing nothing, when an adapter's
    /// shape is not its projection's.
    ///
    /// A side path rather than the update merged into re-quantised copies of the weights: merging
    /// rounds W + scale·B·A afresh, which moves SmolLM2's logits by more than a rank-8 LoRA does in
    /// Q4_1 and by about 0.5 in Q8_0 (slower to read, too), while the side path stays within float32
    /// rounding of the trained model at a few percent of decode speed (Tests/Benchmarks/infer/LORA.md).
    public func apply(lora: LlamaLoRAWeights) throws {
        try lora.validate(for: config)
        self.lora = lora
    }

    /// Back to the base model: the outputs are exactly those before `apply(lora:)`.
    public func removeLoRA() { lora = nil }

    /// y[n, out] (rows `ldy` apart) += scale · (x[n, in] · Aᵀ) · Bᵀ for this engine's adapter of
    /// `projection` in block `layer`, if it has one; rows of x are `lda` apart.
    @inline(__always)
    func addLoRA(_ projection: LlamaProjection, layer: Int, _ x: UnsafePointer<Float>, lda: Int? = nil, n: Int = 1,
                 into y: UnsafeMutablePointer<Float>, ldy: Int? = nil) {
        guard let adapter = lora?.adapter(projection, layer: layer) else { return }
        adapter.add(x, lda: lda ?? adapter.inFeatures, n: n, into: y, ldy: ldy ?? adapter.outFeatures)
    }
}

extension LlamaLoRAWeights.Adapter {
    /// y[n, out] (rows `ldy` apart) += scale · (x[n, in] · Aᵀ) · Bᵀ, rows of x `lda` apart.
    func add(_ x: UnsafePointer<Float>, lda: Int, n: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        let (ins, outs) = (inFeatures, outFeatures)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: n * rank) { t in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    if n == 1 {
                        // One position (decode): dot products, without the calls into BLAS.
                        for r in 0..<rank { t[r] = scale * LlamaKernels.dot(a.baseAddress! + r * ins, x, count: ins) }
                        for o in 0..<outs { y[o] += LlamaKernels.dot(b.baseAddress! + o * rank, t.baseAddress!, count: rank) }
                        return
                    }
                    // t[n, rank] = scale · x · Aᵀ, then y += t · Bᵀ.
                    gemm(transA: false, transB: true, m: n, n: rank, k: ins, alpha: scale, x, lda: lda, a.baseAddress!, ldb: ins,
                         t.baseAddress!, ldc: rank)
                    gemm(transA: false, transB: true, m: n, n: outs, k: rank, UnsafePointer(t.baseAddress!), lda: rank,
                         b.baseAddress!, ldb: rank, beta: 1, y, ldc: ldy)
                }
            }
        }
    }
}
