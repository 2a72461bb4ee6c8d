import Foundation
import Tensor

// MARK: - Float32 kernels of the Whisper encoder and decoder (SIMD, no allocation)

enum WhisperKernels {
    typealias V = SIMD8<Float>

    /// out = (x − mean) / sqrt(var + eps) · gamma + beta over `count` values (eps 1e-5, as Whisper's LayerNorm).
    @inline(__always)
    static func layerNorm(_ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                          count n: Int, into out: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(x)
        var acc = V(repeating: 0), i = 0
        while i + 8 <= n { acc += raw.loadUnaligned(fromByteOffset: 4 * i, as: V.self); i += 8 }
        var sum = acc.sum()
        while i < n { sum += x[i]; i += 1 }
        let mean = sum / Float(n)
        let m = V(repeating: mean)
        acc = V(repeating: 0); i = 0
        while i + 8 <= n {
            let d = raw.loadUnaligned(fromByteOffset: 4 * i, as: V.self) - m
            acc.addProduct(d, d); i += 8
        }
        var squares = acc.sum()
        while i < n { squares += (x[i] - mean) * (x[i] - mean); i += 1 }
        let scale = 1 / (squares / Float(n) + 1e-5).squareRoot()
        for j in 0..<n { out[j] = (x[j] - mean) * scale * gamma[j] + beta[j] }
    }

    /// LayerNorm of each of `rows` rows of `count` values (rows split over the cores).
    static func layerNormRows(_ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                              rows: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        SpinningPool.shared.chunks(rows, minChunk: 64) { s, e in
            for r in s..<e { layerNorm(x + r * count, gamma: gamma, beta: beta, count: count, into: out + r * count) }
        }
    }

    /// erf(x) for 8 lanes: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), with `FastMath.exp`.
    @inline(__always)
    static func erf(_ x: V) -> V {
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / V(repeating: 1).addingProduct(V(repeating: 0.327_591_1), a)
        var p = V(repeating: -1.453_152_027).addingProduct(V(repeating: 1.061_405_429), t)
        p = V(repeating: 1.421_413_741).addingProduct(p, t)
        p = V(repeating: -0.284_496_736).addingProduct(p, t)
        p = V(repeating: 0.254_829_592).addingProduct(p, t)
        let y = 1 - p * t * FastMath.exp(-(a * a))
        return y.replacing(with: -y, where: x .< 0)
    }

    /// x = x · ½(1 + erf(x/√2)) (exact GELU, as PyTorch's default and CTranslate2's `GELU`).
    static func gelu(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: 4 * i, as: V.self)
            raw.storeBytes(of: 0.5 * v * (1 + erf(v * 0.707_106_78)), toByteOffset: 4 * i, as: V.self)
            i += 8
        }
        while i < n { x[i] = 0.5 * x[i] * (1 + Foundation.erf(x[i] * 0.707_106_78)); i += 1 }
    }

    /// Softmax of `count` scores in place.
    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        let top = FastMath.maximum(x, count: n)
        let sum = FastMath.expShifted(x, x, count: n, shift: top)
        FastMath.scale(x, count: n, by: 1 / sum)
    }

    // MARK: - Products

    /// The fewest rows of A per product task (a multiple of 16).
    static let rowBlock = 96

    /// out[rows, n] (+)= a[rows, k] · wᵀ (w [n, k]) + bias, then GELU when asked: tasks of row blocks
    /// claimed as they come (a thread slowed by the machine's other work does fewer), each an sgemm
    /// followed by its rows' bias and activation while they are in cache.
    static func product(_ a: [Float], rows: Int, _ w: [Float], n: Int, k: Int, into out: inout [Float],
                         bias: [Float], gelu: Bool = false, accumulate: Bool = false) {
        // About four tasks per thread, so a slowed thread does fewer; not smaller than `rowBlock` rows
        // (each task packs the whole weight matrix again).
        let share = (rows / (4 * SpinningPool.shared.width) + 15) / 16 * 16
        let block = max(WhisperKernels.rowBlock, share), tasks = (rows + block - 1) / block
        a.withUnsafeBufferPointer { ap in
            w.withUnsafeBufferPointer { wp in
                bias.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { op in
                        let a = ap.baseAddress!, w = wp.baseAddress!, b = bp.baseAddress!, o = op.baseAddress!
                        SpinningPool.shared.run(tasks: tasks) { t in
                            let first = t * block, count = min(block, rows - first)
                            let c = o + first * n
                            gemm(transA: false, transB: true, m: count, n: n, k: k, a + first * k, lda: k, w, ldb: k,
                                 beta: accumulate ? 1 : 0, c, ldc: n)
                            for r in 0..<count {
                                let row = c + r * n
                                for j in 0..<n { row[j] += b[j] }
                                if gelu { WhisperKernels.gelu(row, count: n) }
                            }
                        }
                    }
                }
            }
        }
    }
}
