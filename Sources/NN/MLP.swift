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
        SwiGLUKernel.forEach(pg, count: gate.count) { i, x, sig in
            let u = SwiGLUKernel.load(pu, i)
            SwiGLUKernel.store(x * sig * u, po, i)
        } scalar: { i, x, sig in po[i] = x * sig * pu[i] }
        return result(out, parents: [gate, up]) { g in
            let gg = Tensor.empty(gate.shape), gu = Tensor.empty(up.shape)
            let pgo = g.data, pgg = gg.data, pgu = gu.data
            // d/dx silu(x) = σ(x)·(1 + x·(1 − σ(x)))
            SwiGLUKernel.forEach(pg, count: gate.count) { i, x, sig in
                let go = SwiGLUKernel.load(pgo, i), u = SwiGLUKernel.load(pu, i)
                SwiGLUKernel.store(go * x * sig, pgu, i)
                SwiGLUKernel.store(go * u * sig * (1 + x * (1 - sig)), pgg, i)
            } scalar: { i, x, sig in
                pgu[i] = pgo[i] * x * sig
                pgg[i] = pgo[i] * pu[i] * sig * (1 + x * (1 - sig))
            }
            gate.accumulateGrad(gg)
            up.accumulateGrad(gu)
        }
    }
}

/// The gate's logistic σ(x) eight lanes at a time, over both cores.
enum SwiGLUKernel {
    typealias V = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }
    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }

    /// Calls `vector(i, x, σ(x))` for gate values x = gate[i..<i+8], then `scalar` for the tail.
    @inline(__always)
    static func forEach(_ gate: UnsafePointer<Float>, count: Int, _ vector: (Int, V, V) -> Void, scalar: (Int, Float, Float) -> Void) {
        parallelChunks(count / 8, minChunk: 4096) { s, e in
            for c in s..<e {
                let x = load(gate, c * 8)
                vector(c * 8, x, 1 / (1 + FastMath.exp(-x)))
            }
        }
        for i in (count / 8 * 8)..<count {
            let x = gate[i]
            scalar(i, x, 1 / (1 + Foundation.exp(-x)))
        }
    }
}
