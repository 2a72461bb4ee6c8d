// MARK: - Dot products of one stored row with float32 activations
//
// Blocks are decoded in registers and multiplied with float32 activations; activations are
// never quantised. Decoding uses only shifts, masks and one float subtraction: a small integer n
// placed in the low mantissa bits of 2^23 (bits 0x4B000000 | n) is the float 2^23 + n, so
// subtracting 2^23 gives n exactly. A block's 16 (Q4) or 32 (Q8) bytes are loaded as 32-bit words
// into 8 lanes — for Q4 the words and the words shifted by 4 (high nibbles), for Q8 the two
// halves — and shifting all lanes by 8k yields byte k of every word, i.e. values 4i + k. The
// activations are therefore permuted once per product (`ActivationOrder.interleaved`) so that
// each lane meets its value. Eight lanes compile to two SSE operations, or one AVX2 operation
// when the build targets x86-64-v3.
//
// For Q4_0 and Q4_1 the per-block constant term is factored out:
//   Σ_j (d·q_j + m)·x_j = d·Σ_j q_j·x_j + m·S_b,   S_b = Σ_j x_j over block b,
// with S_b computed once per product and shared by every row.

typealias Words = SIMD4<UInt32>
typealias Lanes = SIMD4<Float>
typealias Words8 = SIMD8<UInt32>
typealias Lanes8 = SIMD8<Float>

/// How activations are reordered within each 32-value block to match a kernel's decoding order.
enum ActivationOrder {
    case natural
    /// Q4_0, Q4_1, Q8_0: group k (0..<4) of 8 lanes; lane i < 4 ← x[4i + k], lane 4 + i ← x[16 + 4i + k].
    case interleaved

    /// Writes `x` (cols values) in this order to `out`.
    func permute(_ x: UnsafePointer<Float>, cols: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .natural: out.update(from: x, count: cols)
        case .interleaved:
            for b in stride(from: 0, to: cols, by: 32) {
                for k in 0..<4 {
                    for i in 0..<4 {
                        out[b + 8 * k + i] = x[b + 4 * i + k]
                        out[b + 8 * k + 4 + i] = x[b + 16 + 4 * i + k]
                    }
                }
            }
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

    @inline(__always)
    static func float8(_ v: Words8) -> Lanes8 { unsafeBitCast(v, to: Lanes8.self) }

    @inline(__always)
    static func lanes8(_ p: UnsafeRawPointer, _ byteOffset: Int) -> Lanes8 { p.loadUnaligned(fromByteOffset: byteOffset, as: Lanes8.self) }

    /// Σ (q_j − offset)·x_j over one block, given its bytes as 8 words `v` (x in `.interleaved`
    /// order at `xb`); `mask` keeps one value per byte: 0xF for nibbles, 0xFF for bytes.
    @inline(__always)
    static func block(_ v: Words8, _ xb: UnsafeRawPointer, mask: UInt32, offset: Float) -> Lanes8 {
        let m = Words8(repeating: mask), e = Words8(repeating: 0x4B00_0000)
        let f = Lanes8(repeating: magic + offset)
        let t0 = (float8((v & m) | e) - f) * lanes8(xb, 0)
        let t1 = (float8(((v &>> 8) & m) | e) - f) * lanes8(xb, 32)
        let t2 = (float8(((v &>> 16) & m) | e) - f) * lanes8(xb, 64)
        let t3 = (float8(((v &>> 24) & m) | e) - f) * lanes8(xb, 96)
        let low: Lanes8 = t0 + t1
        let high: Lanes8 = t2 + t3
        return low + high
    }

    /// The 16 nibble bytes at `p` as 8 words: low nibbles in lanes 0..<4, high nibbles in 4..<8.
    @inline(__always)
    static func nibbleWords(_ p: UnsafeRawPointer) -> Words8 {
        let q = p.loadUnaligned(as: Words.self)
        return Words8(lowHalf: q, highHalf: q &>> 4)
    }

    /// Q4_1 row (20 bytes per 32 values: f16 d, f16 m, 16 nibble bytes).
    @inline(__always)
    static func q4_1(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, blocks: Int) -> Float {
        // Two independent accumulator chains hide the latency of the additions.
        var acc0 = Lanes8(), acc1 = Lanes8(), accMin0: Float = 0, accMin1: Float = 0
        let xr = UnsafeRawPointer(x)
        var b = 0
        while b + 2 <= blocks {
            let p = w + 20 * b
            acc0 += loadHalf(p) * block(nibbleWords(p + 4), xr + 128 * b, mask: 0xF, offset: 0)
            acc1 += loadHalf(p, 20) * block(nibbleWords(p + 24), xr + 128 * (b + 1), mask: 0xF, offset: 0)
            accMin0 += loadHalf(p, 2) * sums[b]
            accMin1 += loadHalf(p, 22) * sums[b + 1]
            b += 2
        }
        if b < blocks {
            let p = w + 20 * b
            acc0 += loadHalf(p) * block(nibbleWords(p + 4), xr + 128 * b, mask: 0xF, offset: 0)
            accMin0 += loadHalf(p, 2) * sums[b]
        }
        return (acc0 + acc1).sum() + (accMin0 + accMin1)
    }

    /// Q4_0 row (18 bytes per 32 values: f16 d, 16 nibble bytes, values d·(q − 8)).
    @inline(__always)
    static func q4_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = Lanes8(), accOffset: Float = 0
        let xr = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let p = w + 18 * b
            let d = loadHalf(p)
            acc += d * block(nibbleWords(p + 2), xr + 128 * b, mask: 0xF, offset: 0)
            accOffset += d * sums[b]
        }
        return acc.sum() - 8 * accOffset
    }

    /// Q8_0 row (34 bytes per 32 values: f16 d, 32 int8), x in `.interleaved` order.
    @inline(__always)
    static func q8_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = Lanes8()
        let xr = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let p = w + 34 * b
            // Flipping every byte's top bit turns int8 q into q + 128 in 0...255.
            let v = Words8(lowHalf: p.loadUnaligned(fromByteOffset: 2, as: Words.self),
                           highHalf: p.loadUnaligned(fromByteOffset: 18, as: Words.self)) ^ 0x8080_8080
            acc += loadHalf(p) * block(v, xr + 128 * b, mask: 0xFF, offset: 128)
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

    /// F16 row, x in natural order (sixteen halves converted at a time, exactly).
    @inline(__always)
    static func f16(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, cols: Int) -> Float {
        // x in natural order; 16 halves per step converted by the hardware (F16C on x86-64).
        var acc0 = Lanes8(), acc1 = Lanes8()
        let xr = UnsafeRawPointer(x)
        var j = 0
        while j + 16 <= cols {
            let h0 = w.loadUnaligned(fromByteOffset: 2 * j, as: SIMD8<Float16>.self)
            let h1 = w.loadUnaligned(fromByteOffset: 2 * j + 16, as: SIMD8<Float16>.self)
            acc0 += Lanes8(h0) * lanes8(xr, 4 * j)
            acc1 += Lanes8(h1) * lanes8(xr, 4 * j + 32)
            j += 16
        }
        var tail: Float = 0
        while j < cols { tail += loadHalf(w, 2 * j) * x[j]; j += 1 }
        return (acc0 + acc1).sum() + tail
    }
}
