import Foundation
import NN
import Tensor

// MARK: - Float32 kernels of the inference engine (SIMD, no allocation)

typealias Floats8 = SIMD8<Float>

enum LlamaKernels {
    // MARK: - Elementwise

    /// gate[i] = silu(gate[i]) · up[i] = gate / (1 + e^−gate) · up.
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        var i = 0
        let g = UnsafeMutableRawPointer(gate), u = UnsafeRawPointer(up)
        while i + 8 <= count {
            let x = g.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self)
            let y = x / (1 + FastMath.exp(-x)) * u.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self)
            g.storeBytes(of: y, toByteOffset: 4 * i, as: Floats8.self)
            i += 8
        }
        while i < count {
            let x = gate[i]
            gate[i] = x / (1 + Foundation.exp(-x)) * up[i]; i += 1
        }
    }

    /// out = x / sqrt(mean(x²) + eps) · weight over `count` values.
    static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
                        count: Int, into out: UnsafeMutablePointer<Float>) {
        var acc = Floats8(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self)
            acc += v * v; i += 8
        }
        var sum = acc.sum()
        while i < count { sum += x[i] * x[i]; i += 1 }
        let scale = 1 / (sum / Float(count) + eps).squareRoot()
        for j in 0..<count { out[j] = x[j] * scale * weight[j] }
    }

    /// y += x over `count` values.
    static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// Σ a[i]·b[i].
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = Floats8(repeating: 0), acc1 = Floats8(repeating: 0)
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 16 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self) * rb.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self)
            acc1 += ra.loadUnaligned(fromByteOffset: 4 * i + 32, as: Floats8.self) * rb.loadUnaligned(fromByteOffset: 4 * i + 32, as: Floats8.self)
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < count { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// y += a · x over `count` values.
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= count {
            let v = ry.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self) + a * rx.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self)
            ry.storeBytes(of: v, toByteOffset: 4 * i, as: Floats8.self)
            i += 8
        }
        while i < count { y[i] += a * x[i]; i += 1 }
    }
}

// MARK: - Rotary tables

/// cos/sin of every pair's angle (see `RoPE.angle`) for every position below `capacity`, pairs laid
/// out as `layout` says.
struct RotaryTable {
    let half: Int
    let layout: RoPE.Layout
    let cos: [Float]   // [capacity, half]
    let sin: [Float]

    init(rotaryDim: Int, base: Float, layout: RoPE.Layout, frequencyFactors: [Float]?, capacity: Int) {
        half = rotaryDim / 2
        self.layout = layout
        (cos, sin) = RoPE.tables(positions: capacity, rotaryDim: rotaryDim, base: base, factors: frequencyFactors)
    }

    /// Rotates `heads` heads of `headDim` values at `x` for position `pos`.
    @inline(__always)
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, pos: Int) {
        cos.withUnsafeBufferPointer { cb in
            sin.withUnsafeBufferPointer { sb in
                let c = cb.baseAddress! + pos * half, s = sb.baseAddress! + pos * half
                let (step, second) = layout.pairing(half: half)
                for h in 0..<heads {
                    let v = x + h * headDim
                    for i in 0..<half {
                        let a = v[step * i], b = v[step * i + second]
                        v[step * i] = a * c[i] - b * s[i]
                        v[step * i + second] = a * s[i] + b * c[i]
                    }
                }
            }
        }
    }
}
