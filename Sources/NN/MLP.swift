import Foundation
import Tensor

/// Llama feed-forward: down(silu(gate(x)) ⊙ up(x)).
public final class SwiGLU: Module {
    public let gate: Linear   // [F, C]
    public let up: Linear     // [F, C]
    public let down: Linear   // [C, F]

    public init(dim: Int, hidden: Int, bias: Bool = false, rng: inout SeededRandom) {
        gate = Linear(dim, hidden, bias: bias, rng: &rng)
        up = Linear(dim, hidden, bias: bias, rng: &rng)
        down = Linear(hidden, dim, bias: bias, rng: &rng)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { down(Tensor.swiglu(gate: gate(x), up: up(x))) }
}

/// Transformer feed-forward with GELU: fc2(gelu(fc1(x))).
public final class GELUMLP: Module {
    public let fc1: Linear
    public let fc2: Linear

    public init(dim: Int, hidden: Int, rng: inout SeededRandom) {
        fc1 = Linear(dim, hidden, rng: &rng)
        fc2 = Linear(hidden, dim, rng: &rng)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc2(fc1(x).gelu()) }
}

extension Tensor {
    /// Fused silu(gate) ⊙ up (forward and backward side by side).
    public static func swiglu(gate: Tensor, up: Tensor) -> Tensor {
        precondition(gate.shape == up.shape, "swiglu halves differ: \(gate.shape) vs \(up.shape)")
        let out = Tensor.empty(gate.shape)
        let pg = gate.data, pu = up.data, po = out.data
        parallelChunks(gate.count) { s, e in
            for i in s..<e { po[i] = pg[i] / (1 + Foundation.exp(-pg[i])) * pu[i] }
        }
        return result(out, parents: [gate, up]) { g in
            let gg = Tensor.empty(gate.shape), gu = Tensor.empty(up.shape)
            let pgo = g.data, pgg = gg.data, pgu = gu.data
            parallelChunks(gate.count) { s, e in
                for i in s..<e {
                    let x = pg[i], sig = 1 / (1 + Foundation.exp(-x))
                    pgu[i] = pgo[i] * x * sig
                    pgg[i] = pgo[i] * pu[i] * sig * (1 + x * (1 - sig))
                }
            }
            gate.accumulateGrad(gg)
            up.accumulateGrad(gu)
        }
    }
}
