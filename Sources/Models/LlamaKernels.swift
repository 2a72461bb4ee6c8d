import Foundation

// MARK: - Float32 kernels of the inference engine (SIMD, no allocation)

typealias Floats8 = SIMD8<Float>

enum LlamaKernels {
    // MARK: - Exponential

    /// e^x for 8 lanes: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r, and 2^n
    /// assembled in the exponent bits. Relative error below 2e-7 over [−87, 88]; smaller inputs give 0.
    @inline(__always)
    static func exp(_ x: Floats8) -> Floats8 {
        let clamped = x.clamped(lowerBound: Floats8(repeating: -87.3), upperBound: Floats8(repeating: 88.3))
        // Adding 1.5·2^23 rounds to an integer held in the low mantissa bits (no rounding instruction needed).
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = (clamped - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p = Floats8(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let bits = (integer &+ 127) &<< 23
        let result = p * unsafeBitCast(bits, to: Floats8.self)
        return result.replacing(with: 0, where: x .< -87.3)
    }

    /// In place: v[i] = e^(v[i] − shift); returns the sum.
    @inline(__always)
    static func expShifted(_ v: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var acc = Floats8(repeating: 0)
        var i = 0
        let raw = UnsafeMutableRawPointer(v)
        while i + 8 <= count {
            let e = exp(raw.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self) - shift)
            raw.storeBytes(of: e, toByteOffset: 4 * i, as: Floats8.self)
            acc += e
            i += 8
        }
        var sum = acc.sum()
        while i < count {
            let e = exp(Floats8(repeating: v[i] - shift))[0]
            v[i] = e; sum += e; i += 1
        }
        return sum
    }

    /// In place softmax of `count` values.
    static func softmax(_ v: UnsafeMutablePointer<Float>, count: Int) {
        var m = -Float.infinity
        for i in 0..<count where v[i] > m { m = v[i] }
        let inv = 1 / expShifted(v, count: count, shift: m)
        for i in 0..<count { v[i] *= inv }
    }

    // MARK: - Elementwise

    /// gate[i] = silu(gate[i]) · up[i] = gate / (1 + e^−gate) · up.
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        var i = 0
        let g = UnsafeMutableRawPointer(gate), u = UnsafeRawPointer(up)
        while i + 8 <= count {
            let x = g.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self)
            let y = x / (1 + exp(-x)) * u.loadUnaligned(fromByteOffset: 4 * i, as: Floats8.self)
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

/// cos/sin of pos·base^(−2i/R) for every position below `capacity` and pair i < R/2, with the
/// interleaved pair layout (2i, 2i+1) that GGUF Llama weights use.
struct RotaryTable {
    let half: Int
    let cos: [Float]   // [capacity, half]
    let sin: [Float]

    init(rotaryDim: Int, base: Float, capacity: Int) {
        half = rotaryDim / 2
        var c = [Float](repeating: 0, count: capacity * half), s = c
        for p in 0..<capacity {
            for i in 0..<half {
                let theta = Double(p) * Foundation.pow(Double(base), -2 * Double(i) / Double(rotaryDim))
                c[p * half + i] = Float(Foundation.cos(theta))
                s[p * half + i] = Float(Foundation.sin(theta))
            }
        }
        cos = c; sin = s
    }

    /// Rotates `heads` heads of `headDim` values at `x` for position `pos`.
    @inline(__always)
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, pos: Int) {
        cos.withUnsafeBufferPointer { cb in
            sin.withUnsafeBufferPointer { sb in
                let c = cb.baseAddress! + pos * half, s = sb.baseAddress! + pos * half
                for h in 0..<heads {
                    let v = x + h * headDim
                    for i in 0..<half {
                        let a = v[2 * i], b = v[2 * i + 1]
                        v[2 * i] = a * c[i] - b * s[i]
                        v[2 * i + 1] = a * s[i] + b * c[i]
                    }
                }
            }
        }
    }
}
