import Tensor

/// y = x·Wᵀ + b with W [out, in]; optionally with a LoRA update: y += (x·Aᵀ)·Bᵀ · alpha/rank.
public final class Linear: Module {
    public let weight: Tensor          // [out, in]
    public let bias: Tensor?           // [out]
    public private(set) var lora: LoRA?
    public let inFeatures: Int, outFeatures: Int

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout SeededRandom) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Init.kaimingUniform([outFeatures, inFeatures], fanIn: inFeatures, rng: &rng)
        self.bias = bias ? Init.kaimingUniform([outFeatures], fanIn: inFeatures, rng: &rng) : nil
    }

    /// Wraps existing weights (e.g. loaded from a checkpoint).
    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "Linear weight must be [out, in], got \(weight.shape)")
        self.weight = weight
        self.bias = bias
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard let lora, !lora.isMerged else { return x.linear(weight, bias: bias) }
        return x.linear(weight, bias: bias, loraA: lora.a, loraB: lora.b, scale: lora.scale)
    }

    /// Adds a trainable low-rank update; the base weight and bias are frozen.
    public func addLoRA(rank: Int, alpha: Float, rng: inout SeededRandom) {
        lora = LoRA(inFeatures: inFeatures, outFeatures: outFeatures, rank: rank, alpha: alpha, rng: &rng)
        weight.requiresGrad = false
        bias?.requiresGrad = false
    }

    /// Folds the LoRA update into the weight (W += scale·B·A) for fast inference.
    public func mergeLoRA() {
        guard let lora, !lora.isMerged else { return }
        foldLoRA(lora, sign: 1)
        lora.isMerged = true
    }

    /// Takes a merged LoRA update back out of the weight.
    public func unmergeLoRA() {
        guard let lora, lora.isMerged else { return }
        foldLoRA(lora, sign: -1)
        lora.isMerged = false
    }

    private func foldLoRA(_ lora: LoRA, sign: Float) {
        gemm(transA: false, transB: false, m: outFeatures, n: inFeatures, k: lora.rank, alpha: sign * lora.scale,
             lora.b.data, lda: lora.rank, lora.a.data, ldb: inFeatures, beta: 1, weight.data, ldc: inFeatures)
    }
}

/// Low-rank adapter: A [rank, in] small random, B [out, rank] zero, so training starts at the base model.
public final class LoRA: Module {
    public let a: Tensor   // [rank, in]
    public let b: Tensor   // [out, rank]
    public let rank: Int
    public let scale: Float
    public var isMerged = false

    public init(inFeatures: Int, outFeatures: Int, rank: Int, alpha: Float, rng: inout SeededRandom) {
        self.rank = rank
        scale = alpha / Float(rank)
        a = Init.kaimingUniform([rank, inFeatures], fanIn: inFeatures, rng: &rng)
        b = Tensor(zeros: [outFeatures, rank], requiresGrad: true)
    }
}
