import Formats
import Tensor

// MARK: - LoRA adapters on the inference engine

extension LlamaInference {
    /// Answers with `lora`'s adapters from the next position on: after each projection they name,
    /// y += scale · B · (A · x) in float32, beside the compact base weights, in every path (`step`,
    /// `prefill`, `logitsOfEveryPosition`, batched steps). Positions already in the cache keep the
    /// keys and values they had; `reset()` to start over. Engines made afterwards with
    /// `init(sharingWeightsOf:)` get the same adapters. Throws, changing nothing, when an adapter's
    /// shape is not its projection's.
    public func apply(lora: LlamaLoRAWeights) throws {
        try lora.validate(for: config)
        self.lora = lora
    }

    /// Back to the base model: the outputs are exactly those before `apply(lora:)`.
    public func removeLoRA() {
        lora = nil
        if let baseBlocks { blocks = baseBlocks; self.baseBlocks = nil }
    }

    /// y[n, out] (rows `ldy` apart) += scale · (x[n, in] · Aᵀ) · Bᵀ for this engine's adapter of
    /// `projection` in block `layer`, if it has one; rows of x are `lda` apart.
    @inline(__always)
    func addLoRA(_ projection: LlamaProjection, layer: Int, _ x: UnsafePointer<Float>, lda: Int? = nil, n: Int = 1,
                 into y: UnsafeMutablePointer<Float>, ldy: Int? = nil) {
        guard let adapter = lora?.adapter(projection, layer: layer) else { return }
        adapter.add(x, lda: lda ?? adapter.inFeatures, n: n, into: y, ldy: ldy ?? adapter.outFeatures)
    }

    /// Measurement only: the LoRA merged into re-quantised copies of the base matrices.
    public func applyMerged(lora: LlamaLoRAWeights, type: GGMLType?) throws {
        try lora.validate(for: config)
        removeLoRA()
        let base = blocks
        baseBlocks = base
        func merged(_ m: QuantizedMatrix, _ p: LlamaProjection, _ l: Int) -> QuantizedMatrix {
            guard let a = lora.adapter(p, layer: l) else { return m }
            var w = m.dequantised()
            a.a.withUnsafeBufferPointer { ap in
                a.b.withUnsafeBufferPointer { bp in
                    w.withUnsafeMutableBufferPointer { wp in
                        gemm(transA: false, transB: false, m: m.rows, n: m.cols, k: a.rank, alpha: a.scale, bp.baseAddress!, lda: a.rank,
                             ap.baseAddress!, ldb: m.cols, beta: 1, wp.baseAddress!, ldc: m.cols)
                    }
                }
            }
            return QuantizedMatrix(rows: m.rows, cols: m.cols, values: w, type: type ?? m.type)
        }
        blocks = base.enumerated().map { l, b in
            LlamaInferenceBlock(attentionNorm: b.attentionNorm, wq: merged(b.wq, .q, l), wk: merged(b.wk, .k, l), wv: merged(b.wv, .v, l),
                                wo: merged(b.wo, .o, l), qkvBias: b.qkvBias, mlpNorm: b.mlpNorm,
                                gate: merged(b.gate, .gate, l), up: merged(b.up, .up, l), down: merged(b.down, .down, l))
        }
    }
}

extension LlamaLoRAWeights.Adapter {
    /// y[n, out] (rows `ldy` apart) += scale · (x[n, in] · Aᵀ) · Bᵀ, rows of x `lda` apart.
    func add(_ x: UnsafePointer<Float>, lda: Int, n: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        let (ins, outs) = (inFeatures, outFeatures)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: n * rank) { t in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
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
