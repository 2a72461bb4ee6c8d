import Tensor

/// Inverted dropout: while training, zeroes each element with probability `p` and scales the rest by
/// 1/(1 − p); the identity in eval mode. The mask comes from the module's own seeded generator, which
/// is a public var so that a checkpoint can save and restore it for an exact resume.
public final class Dropout: Module, RandomStateful {
    /// The drop probability (0 makes the layer the identity).
    public var p: Float { didSet { precondition(p >= 0 && p <= 1, "dropout probability \(p) outside [0, 1]") } }
    public var rng: SeededRandom

    public init(_ p: Float, seed: UInt64 = 0) {
        precondition(p >= 0 && p <= 1, "dropout probability \(p) outside [0, 1]")
        self.p = p
        rng = SeededRandom(seed: seed)
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard isTraining && p > 0 else { return x }
        let keep = 1 - p, scale: Float = keep > 0 ? 1 / keep : 0
        // Mask values are 0 or 1/(1 − p); drawn in element order, so the same state gives the same mask.
        let mask = TensorStorage(uninitializedCount: x.count), pm = mask.base
        for i in 0..<x.count { pm[i] = rng.uniform() < p ? 0 : scale }
        let out = Tensor.empty(x.shape)
        Kernels.mul(x.data, pm, into: out.data, count: x.count)
        return Tensor.result(out, parents: [x]) { g in
            let gx = Tensor.empty(x.shape)
            Kernels.mul(g.data, mask.base, into: gx.data, count: x.count)
            x.accumulateGrad(gx)
        }
    }
}
