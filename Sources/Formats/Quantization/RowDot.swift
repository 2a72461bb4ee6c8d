// MARK: - Dot products of one stored row with float32 activations
//
// Blocks are decoded in SSE-width registers and multiplied with float32 activations; activations
// are never quantised. Decoding uses only shifts, masks and one float subtraction: a small
// integer n placed in the low mantissa bits of 2^23 (bits 0x4B000000 | n) is the float 2^23 + n,
// so subtracting 2^23 gives n exactly. Shifting four packed 32-bit words by the same amount
// yields the values of byte (or nibble) k of each word, i.e. values 4i + k; the activations are
// therefore permuted once per product (`ActivationOrder`) so that lane i meets the right value.
//
// For Q4_0 and Q4_1 the per-block constant term is factored out:
//   Σ_j (d·q_j + m)·x_j = d·Σ_j q_j·x_j + m·S_b,   S_b = Σ_j x_j over block b,
// with S_b computed once per product and shared by every row.

typealias Words = SIMD4<UInt32>
typealias Lanes = SIMD4<Float>

/// How activations are reordered within each 32-value block to match a kernel's decoding order.
enum ActivationOrder {
    case natural
    /// Q4_0 / Q4_1: group s (0..<8), lane i ← x[(s & 1)·16 + 4i + s/2].
    case nibbles
    /// Q8_0: group g (0..<8), lane i ← x[(g / 4)·16 + 4i + g % 4].
    case bytes
    /// F16 (per 8 values): lanes 0..<4 ← x[2i], lanes 4..<8 ← x[2i + 1].
    case halves

    /// Writes `x` (cols values) in this order to `out`.
    func permute(_ x: UnsafePointer<Float>, cols: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .natural: out.update(from: x, count: cols)
        case .nibbles:
            for b in stride(from: 0, to: cols, by: 32) {
                for s in 0..<8 { for i in 0..<4 { out[b + 4 * s + i] = x[b + (s & 1) * 16 + 4 * i + s / 2] } }
            }
        case .bytes:
            for b in stride(from: 0, to: cols, by: 32) {
                for g in 0..<8 { for i in 0..<4 { out[b + 4 * g + i] = x[b + (g / 4) * 16 + 4 * i + g % 4] } }
            }
        case .halves:
            var b = 0
            while b + 8 <= cols {
                for i in 0..<4 { out[b + i] = x[b + 2 * i]; out[b + 4 + i] = x[b + 2 * i + 1] }
                b += 8
            }
            while b < cols { out[b] = x[b]; b += 1 }
        }
    }
}

enum RowDot {
    /// 2^23: the float whose mantissa holds small integers exactly.
    static let magic: Float = 8_388_608

    @inline(__always)
    static func float(_ v: Words) -> Lanes { unsafeBitCast(v, to: Lanes.self) }

    @inline(__always)
    static func lanes(_ p: UnsafeRawPointer, _ byteOffset: Int) -> Lanes { p.loadUnaligned(fromByteOffset: byteOffset, as: Lanes.self) }

    /// Sums of `x` over each 32-value block (`blockSums[b] = Σ x[32b ..< 32b+32]`).
    @inline(__always)
    static func blockSums(_ x: UnsafePointer<Float>, blocks: Int, into s: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let o = 128 * b
            let low: Lanes = (lanes(raw, o) + lanes(raw, o + 16)) + (lanes(raw, o + 32) + lanes(raw, o + 48))
            let high: Lanes = (lanes(raw, o + 64) + lanes(raw, o + 80)) + (lanes(raw, o + 96) + lanes(raw, o + 112))
            s[b] = (low + high).sum()
        }
    }

    /// Σ q_j·x_j of one block of 16 nibble bytes `q` (x in `.nibbles` order at `xb`).
    @inline(__always)
    static func nibbleBlock(_ q: Words, _ xb: UnsafeRawPointer) -> Lanes {
        let mask = Words(repeating: 0xF), m = Words(repeating: 0x4B00_0000), f = Lanes(repeating: magic)
        let t0 = (float((q & mask) | m) - f) * lanes(xb, 0)
        let t1 = (float(((q &>> 4) & mask) | m) - f) * lanes(xb, 16)
        let t2 = (float(((q &>> 8) & mask) | m) - f) * lanes(xb, 32)
        let t3 = (float(((q &>> 12) & mask) | m) - f) * lanes(xb, 48)
        let t4 = (float(((q &>> 16) & mask) | m) - f) * lanes(xb, 64)
        let t5 = (float(((q &>> 20) & mask) | m) - f) * lanes(xb, 80)
        let t6 = (float(((q &>> 24) & mask) | m) - f) * lanes(xb, 96)
        let t7 = (float((q &>> 28) | m) - f) * lanes(xb, 112)
        let low: Lanes = (t0 + t1) + (t2 + t3)
        let high: Lanes = (t4 + t5) + (t6 + t7)
        return low + high
    }

    /// Q4_1 row (20 bytes per 32 values: f16 d, f16 m, 16 nibble bytes).
    @inline(__always)
    static func q4_1(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = Lanes(), accMin: Float = 0
        let xr = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let p = w + 20 * b
            acc += loadHalf(p) * nibbleBlock(p.loadUnaligned(fromByteOffset: 4, as: Words.self), xr + 128 * b)
            accMin += loadHalf(p, 2) * sums[b]
        }
        return acc.sum() + accMin
    }

    /// Q4_0 row (18 bytes per 32 values: f16 d, 16 nibble bytes, values d·(q − 8)).
    @inline(__always)
    static func q4_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = Lanes(), accOffset: Float = 0
        let xr = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let p = w + 18 * b
            let d = loadHalf(p)
            acc += d * nibbleBlock(p.loadUnaligned(fromByteOffset: 2, as: Words.self), xr + 128 * b)
            accOffset += d * sums[b]
        }
        return acc.sum() - 8 * accOffset
    }

    /// Q8_0 row (34 bytes per 32 values: f16 d, 32 int8), x in `.bytes` order.
    @inline(__always)
    static func q8_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
        // (byte ^ 0x80) is q + 128 in 0...255; XOR with 0x4B000080 also sets the exponent of 2^23.
        let mask = Words(repeating: 0xFF), m = Words(repeating: 0x4B00_0080), f = Lanes(repeating: magic + 128)
        var acc = Lanes()
        let xr = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let p = w + 34 * b, xb = xr + 128 * b
            let q0 = p.loadUnaligned(fromByteOffset: 2, as: Words.self)
            let q1 = p.loadUnaligned(fromByteOffset: 18, as: Words.self)
            let t0 = (float((q0 & mask) ^ m) - f) * lanes(xb, 0)
            let t1 = (float(((q0 &>> 8) & mask) ^ m) - f) * lanes(xb, 16)
            let t2 = (float(((q0 &>> 16) & mask) ^ m) - f) * lanes(xb, 32)
            let t3 = (float((q0 &>> 24) ^ m) - f) * lanes(xb, 48)
            let t4 = (float((q1 & mask) ^ m) - f) * lanes(xb, 64)
            let t5 = (float(((q1 &>> 8) & mask) ^ m) - f) * lanes(xb, 80)
            let t6 = (float(((q1 &>> 16) & mask) ^ m) - f) * lanes(xb, 96)
            let t7 = (float((q1 &>> 24) ^ m) - f) * lanes(xb, 112)
            let low: Lanes = (t0 + t1) + (t2 + t3)
            let high: Lanes = (t4 + t5) + (t6 + t7)
            acc += loadHalf(p) * (low + high)
        }
        return acc.sum()
    }

    /// F32 row, x in natural order.
    @inline(__always)
    static func f32(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, cols: Int) -> Float {
        var a0 = Lanes(), a1 = Lanes()
        let xr = UnsafeRawPointer(x)
        var j = 0
        while j + 8 <= cols {
            a0 += lanes(w, 4 * j) * lanes(xr, 4 * j)
            a1 += lanes(w, 4 * j + 16) * lanes(xr, 4 * j + 16)
            j += 8
        }
        var tail: Float = 0
        while j < cols { tail += w.loadUnaligned(fromByteOffset: 4 * j, as: Float.self) * x[j]; j += 1 }
        return (a0 + a1).sum() + tail
    }

    /// F16 row, x in `.halves` order (eight halves converted at a time, exactly).
    @inline(__always)
    static func f16(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, cols: Int) -> Float {
        var acc = Lanes()
        let xr = UnsafeRawPointer(x)
        var j = 0
        while j + 8 <= cols {
            let h = w.loadUnaligned(fromByteOffset: 2 * j, as: Words.self)
            acc += halves(h & 0xFFFF) * lanes(xr, 4 * j) + halves(h &>> 16) * lanes(xr, 4 * j + 16)
            j += 8
        }
        var tail: Float = 0
        while j < cols { tail += loadHalf(w, 2 * j) * x[j]; j += 1 }
        return acc.sum() + tail
    }

    /// Four binary16 values (one per 32-bit lane) to Float: the lane-wise form of `halfToFloat`.
    @inline(__always)
    static func halves(_ bits: Words) -> Lanes {
        let sign = (bits & 0x8000) &<< 16
        let magnitude = bits & 0x7FFF
        let finite = float(magnitude &<< 13) * 0x1p112
        let special = float(0x7F80_0000 | ((magnitude & 0x3FF) &<< 13))
        let value = finite.replacing(with: special, where: magnitude .>= 0x7C00)
        return float(unsafeBitCast(value, to: Words.self) | sign)
    }
}
