import Foundation
import Tensor

/// Rotary position embedding. Pairs are rotated by angle pos·base^(−2i/D).
public final class RoPE: @unchecked Sendable {
    /// Which elements form a rotated pair.
    public enum Layout: String, Codable, Sendable {
        /// (2i, 2i+1): GGUF / llama.cpp "normal" rope and the original Llama code.
        case interleaved
        /// (i, i + D/2): Hugging Face checkpoints ("neox" style).
        case halfSplit

        /// Pair i is (stride·i, stride·i + gap) for `half` pairs.
        public func pairing(half: Int) -> (stride: Int, gap: Int) { self == .interleaved ? (2, 1) : (1, half) }
    }

    public let headDim: Int
    public let rotaryDim: Int
    public let base: Float
    public let layout: Layout
    /// Divisors of the pairs' frequencies (one per pair; Llama 3 GGUF files carry them as `rope_freqs`).
    public let frequencyFactors: [Float]?
    private var cosTable: [Float] = []   // [positions, rotaryDim/2]
    private var sinTable: [Float] = []
    private var cachedPositions = 0

    public init(headDim: Int, rotaryDim: Int? = nil, base: Float = 10_000, layout: Layout = .interleaved,
                frequencyFactors: [Float]? = nil) {
        let rotary = rotaryDim ?? headDim
        precondition(rotary % 2 == 0 && rotary <= headDim, "rotary dimension must be even and ≤ head size")
        precondition(frequencyFactors.map { $0.count == rotary / 2 } ?? true, "one frequency factor per rotary pair")
        self.headDim = headDim
        self.rotaryDim = rotary
        self.base = base
        self.layout = layout
        self.frequencyFactors = frequencyFactors
    }

    /// The angle of pair i at position p: p · base^(−2i/D) / factorᵢ.
    public static func angle(position p: Int, pair i: Int, rotaryDim: Int, base: Float, factors: [Float]?) -> Double {
        Double(p) * Foundation.pow(Double(base), -2 * Double(i) / Double(rotaryDim)) / Double(factors?[i] ?? 1)
    }

    /// cos and sin of every pair's angle at positions 0..<positions, each [positions, rotaryDim/2].
    public static func tables(positions: Int, rotaryDim: Int, base: Float, factors: [Float]?) -> (cos: [Float], sin: [Float]) {
        let half = rotaryDim / 2
        var c = [Float](repeating: 0, count: positions * half), s = c
        for p in 0..<positions {
            for i in 0..<half {
                let theta = angle(position: p, pair: i, rotaryDim: rotaryDim, base: base, factors: factors)
                c[p * half + i] = Float(cos(theta))
                s[p * half + i] = Float(sin(theta))
            }
        }
        return (c, s)
    }

    private func ensureTable(_ positions: Int) {
        guard positions > cachedPositions else { return }
        let n = max(positions, cachedPositions * 2)
        (cosTable, sinTable) = RoPE.tables(positions: n, rotaryDim: rotaryDim, base: base, factors: frequencyFactors)
        cachedPositions = n
    }

    /// Rotates x [B, T, H·D] whose time step t sits at absolute position `offset + t`.
    public func callAsFunction(_ x: Tensor, heads: Int, offset: Int = 0) -> Tensor {
        let t = x.shape[x.rank - 2], width = x.shape[x.rank - 1]
        precondition(width == heads * headDim, "RoPE over width \(width) with \(heads) heads of \(headDim)")
        ensureTable(offset + t)
        let out = Tensor.empty(x.shape)
        rotate(x.data, out.data, rows: x.count / width, t: t, heads: heads, offset: offset, direction: 1)
        return Tensor.result(out, parents: [x]) { g in
            let gx = Tensor.empty(x.shape)
            self.rotate(g.data, gx.data, rows: x.count / width, t: t, heads: heads, offset: offset, direction: -1)
            x.accumulateGrad(gx)
        }
    }

    /// Rotation by +θ (direction 1) or −θ (direction −1, the backward) of `rows` rows of H·D values.
    private func rotate(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, rows: Int, t: Int, heads: Int, offset: Int, direction: Float) {
        let half = rotaryDim / 2, d = headDim, width = heads * d
        let (stride, pairGap) = layout.pairing(half: half)
        cosTable.withUnsafeBufferPointer { cosBuf in
            sinTable.withUnsafeBufferPointer { sinBuf in
                let cs = cosBuf.baseAddress!, sn = sinBuf.baseAddress!
                parallelChunks(rows, minChunk: max(1, 8192 / width)) { s, e in
                    for r in s..<e {
                        let pos = offset + r % t
                        let c = cs + pos * half, sgn = sn + pos * half
                        for h in 0..<heads {
                            let x = src + r * width + h * d, y = dst + r * width + h * d
                            for i in 0..<half {
                                let a = i * stride, b = a + pairGap
                                let x0 = x[a], x1 = x[b], sine = sgn[i] * direction
                                y[a] = x0 * c[i] - x1 * sine
                                y[b] = x0 * sine + x1 * c[i]
                            }
                            if rotaryDim < d { for i in rotaryDim..<d { y[i] = x[i] } }
                        }
                    }
                }
            }
        }
    }
}
