// MARK: - Dot products of one stored row with float32 activations
//
// Blocks are decoded in registers (SIMD16 lanes) and multiplied with float32 `x`; activations are
// never quantised. For Q4_0 and Q4_1 the per-block constant term is factored out:
//   Σ_j (d·q_j + m)·x_j = d·Σ_j q_j·x_j + m·S_b,   S_b = Σ_j x_j over block b,
// with S_b computed once per product and shared by every row.

enum RowDot {
    /// Sums of `x` over each 32-value block (`blockSums[b] = Σ x[32b ..< 32b+32]`).
    @inline(__always)
    static func blockSums(_ x: UnsafePointer<Float>, blocks: Int, into s: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let v = raw.loadUnaligned(fromByteOffset: 128 * b, as: SIMD16<Float>.self)
                + raw.loadUnaligned(fromByteOffset: 128 * b + 64, as: SIMD16<Float>.self)
            s[b] = v.sum()
        }
    }

    @inline(__always)
    static func widen(_ q: SIMD16<UInt8>) -> SIMD16<Float> {
        SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: q))
    }

    @inline(__always)
    static func widen(_ q: SIMD16<Int8>) -> SIMD16<Float> {
        SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: q))
    }

    /// Q4_1 row (20 bytes per 32 values: f16 d, f16 m, 16 nibble bytes).
    @inline(__always)
    static func q4_1(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = SIMD16<Float>(), accMin: Float = 0
        let xr = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let p = w + 20 * b, xb = xr + 128 * b
            let q = p.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self)
            let lo = widen(q & 0x0F), hi = widen(q &>> 4)
            let x0 = xb.loadUnaligned(as: SIMD16<Float>.self)
            let x1 = xb.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            acc += loadHalf(p) * (lo * x0 + hi * x1)
            accMin += loadHalf(p, 2) * sums[b]
        }
        return acc.sum() + accMin
    }

    /// Q4_0 row (18 bytes per 32 values: f16 d, 16 nibble bytes, values d·(q − 8)).
    @inline(__always)
    static func q4_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = SIMD16<Float>(), accOffset: Float = 0
        let xr = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let p = w + 18 * b, xb = xr + 128 * b
            let q = p.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self)
            let lo = widen(q & 0x0F), hi = widen(q &>> 4)
            let x0 = xb.loadUnaligned(as: SIMD16<Float>.self)
            let x1 = xb.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            let d = loadHalf(p)
            acc += d * (lo * x0 + hi * x1)
            accOffset += d * sums[b]
        }
        return acc.sum() - 8 * accOffset
    }

    /// Q8_0 row (34 bytes per 32 values: f16 d, 32 int8).
    @inline(__always)
    static func q8_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = SIMD16<Float>()
        let xr = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let p = w + 34 * b, xb = xr + 128 * b
            let q0 = widen(p.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self))
            let q1 = widen(p.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self))
            let x0 = xb.loadUnaligned(as: SIMD16<Float>.self)
            let x1 = xb.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            acc += loadHalf(p) * (q0 * x0 + q1 * x1)
        }
        return acc.sum()
    }

    /// F32 row.
    @inline(__always)
    static func f32(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, cols: Int) -> Float {
        var acc = SIMD16<Float>()
        let xr = UnsafeRawPointer(x)
        var j = 0
        while j + 16 <= cols {
            acc += w.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self) * xr.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
            j += 16
        }
        var tail: Float = 0
        while j < cols { tail += w.loadUnaligned(fromByteOffset: 4 * j, as: Float.self) * x[j]; j += 1 }
        return acc.sum() + tail
    }

    /// F16 row (eight halves converted at a time, exactly).
    @inline(__always)
    static func f16(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, cols: Int) -> Float {
        var acc = SIMD8<Float>()
        let xr = UnsafeRawPointer(x)
        var j = 0
        while j + 8 <= cols {
            let h = w.loadUnaligned(fromByteOffset: 2 * j, as: SIMD8<UInt16>.self)
            acc += halvesToFloats(h) * xr.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
            j += 8
        }
        var tail: Float = 0
        while j < cols { tail += loadHalf(w, 2 * j) * x[j]; j += 1 }
        return acc.sum() + tail
    }

    /// Eight binary16 values to Float (the lane-wise form of `halfToFloat`).
    @inline(__always)
    static func halvesToFloats(_ h: SIMD8<UInt16>) -> SIMD8<Float> {
        let bits = SIMD8<UInt32>(truncatingIfNeeded: h)
        let sign = (bits & 0x8000) &<< 16
        let magnitude = bits & 0x7FFF
        let finite = unsafeBitCast(magnitude &<< 13, to: SIMD8<Float>.self) * 0x1p112
        let special = unsafeBitCast(0x7F80_0000 | ((magnitude & 0x3FF) &<< 13), to: SIMD8<Float>.self)
        let value = finite.replacing(with: special, where: magnitude .>= 0x7C00)
        return unsafeBitCast(unsafeBitCast(value, to: SIMD8<UInt32>.self) | sign, to: SIMD8<Float>.self)
    }
}
