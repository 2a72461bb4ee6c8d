// MARK: - Dot products of one stored row with float32 activations
//
// Weights are expanded in registers; activations stay float32 and are never quantised, and every
// product and sum is a float32 operation (fused multiply-add), so results track a float32
// reference. Integer weights become floats by the hardware conversion of 32-bit lanes:
//
// - Q8_0: eight int8 values are sign-extended to eight 32-bit lanes and converted.
// - Q4_0 / Q4_1 (regrouped as `NibblePairs`): two blocks' nibbles are one load of 8 lanes of
//   32-bit words. Masking nibble k in place (`word & 0xF << 4k`) and converting gives q·2^4k
//   exactly; the activations are prepared once per product (`NibbleActivations`) in the
//   matching order and pre-scaled by 2^-4k.
// - The Q4 block offsets are factored out: Σ_j (d·q_j + c·o)·x_j = d·Σ_j q_j·x_j + c·o·S_b, with
//   the block sums S_b of the activations computed once per product and shared by every row.

typealias Lanes = SIMD4<Float>
typealias Words8 = SIMD8<UInt32>
typealias Lanes8 = SIMD8<Float>

enum RowDot {
    @inline(__always)
    static func lanes8(_ p: UnsafeRawPointer, _ byteOffset: Int) -> Lanes8 { p.loadUnaligned(fromByteOffset: byteOffset, as: Lanes8.self) }

    /// The lanes of `v` (each below 2^31) as floats. Element-wise on purpose: the loop becomes one
    /// vector conversion once inlined, whereas the generic SIMD conversion initialiser may be left
    /// out of line, which splits the vectors into halves at every call.
    @inline(__always)
    static func converted(_ v: Words8) -> Lanes8 {
        var r = Lanes8()
        for i in 0..<8 { r[i] = Float(Int32(truncatingIfNeeded: v[i])) }
        return r
    }

    /// A half loaded from `p + offset`, in 4 lanes.
    @inline(__always)
    static func halfLanes(_ p: UnsafeRawPointer, _ offset: Int) -> Lanes {
        Lanes(SIMD4<Float16>(repeating: Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))))
    }

    /// Σ q_j·x_j of two Q4 blocks (lanes 0–3 and 4–7), nibbles `v`, activations at `xs` (one pair).
    @inline(__always)
    static func nibblePair(_ v: Words8, _ xs: UnsafeRawPointer) -> Lanes8 {
        var even = converted(v & 0xF) * lanes8(xs, 0)
        var odd = converted(v & 0xF0) * lanes8(xs, 32)
        even = even.addingProduct(converted(v & 0xF00), lanes8(xs, 64))
        odd = odd.addingProduct(converted(v & 0xF000), lanes8(xs, 96))
        even = even.addingProduct(converted(v & 0xF_0000), lanes8(xs, 128))
        odd = odd.addingProduct(converted(v & 0xF0_0000), lanes8(xs, 160))
        even = even.addingProduct(converted(v & 0xF00_0000), lanes8(xs, 192))
        odd = odd.addingProduct(converted(v &>> 28), lanes8(xs, 224))
        return even + odd
    }

    /// A Q4_0 or Q4_1 row in the `NibblePairs` layout, `pairs` pairs; `xs` prepared by `NibbleActivations`.
    @inline(__always)
    static func q4(_ w: UnsafeRawPointer, _ xs: UnsafePointer<Float>, pairs: Int) -> Float {
        let xr = UnsafeRawPointer(xs), sums = xr + 256 * pairs
        var acc = Lanes8(), offsets = Lanes8()
        for i in 0..<pairs {
            let p = w + NibblePairs.pairBytes * i
            let scales = Lanes(p.loadUnaligned(as: SIMD4<Float16>.self))
            let d = Lanes8(scales[0], scales[0], scales[0], scales[0], scales[1], scales[1], scales[1], scales[1])
            let o = Lanes8(scales[2], scales[2], scales[2], scales[2], scales[3], scales[3], scales[3], scales[3])
            acc = acc.addingProduct(nibblePair(p.loadUnaligned(fromByteOffset: 8, as: Words8.self), xr + 256 * i), d)
            offsets = offsets.addingProduct(o, lanes8(sums, 32 * i))
        }
        return (acc + offsets).sum()
    }

    /// Eight int8 values at `p + offset` as floats.
    @inline(__always)
    static func int8Lanes(_ p: UnsafeRawPointer, _ offset: Int) -> Lanes8 {
        let q = p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int8>.self)
        var r = Lanes8()
        for i in 0..<8 { r[i] = Float(q[i]) }
        return r
    }

    /// d·Σ q·x of one Q8_0 block at `p`, activations at `xb`.
    @inline(__always)
    static func q8Block(_ p: UnsafeRawPointer, _ xb: UnsafeRawPointer) -> Lanes8 {
        var even = int8Lanes(p, 2) * lanes8(xb, 0)
        var odd = int8Lanes(p, 10) * lanes8(xb, 32)
        even = even.addingProduct(int8Lanes(p, 18), lanes8(xb, 64))
        odd = odd.addingProduct(int8Lanes(p, 26), lanes8(xb, 96))
        let d = halfLanes(p, 0)
        return (even + odd) * Lanes8(lowHalf: d, highHalf: d)
    }

    /// Q8_0 row (34 bytes per 32 values: f16 d, 32 int8), x in natural order.
    @inline(__always)
    static func q8_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
        let xr = UnsafeRawPointer(x)
        var acc = Lanes8()
        for b in 0..<blocks { acc += q8Block(w + 34 * b, xr + 128 * b) }
        return acc.sum()
    }

    /// F32 row, x in natural order.
    @inline(__always)
    static func f32(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, cols: Int) -> Float {
        var a0 = Lanes8(), a1 = Lanes8()
        let xr = UnsafeRawPointer(x)
        var j = 0
        while j + 16 <= cols {
            a0 = a0.addingProduct(lanes8(w, 4 * j), lanes8(xr, 4 * j))
            a1 = a1.addingProduct(lanes8(w, 4 * j + 32), lanes8(xr, 4 * j + 32))
            j += 16
        }
        var tail: Float = 0
        while j < cols { tail += w.loadUnaligned(fromByteOffset: 4 * j, as: Float.self) * x[j]; j += 1 }
        return (a0 + a1).sum() + tail
    }

    /// F16 row, x in natural order (sixteen halves converted at a time, exactly).
    @inline(__always)
    static func f16(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, cols: Int) -> Float {
        var acc0 = Lanes8(), acc1 = Lanes8()
        let xr = UnsafeRawPointer(x)
        var j = 0
        while j + 16 <= cols {
            let h0 = w.loadUnaligned(fromByteOffset: 2 * j, as: SIMD8<Float16>.self)
            let h1 = w.loadUnaligned(fromByteOffset: 2 * j + 16, as: SIMD8<Float16>.self)
            acc0 = acc0.addingProduct(Lanes8(h0), lanes8(xr, 4 * j))
            acc1 = acc1.addingProduct(Lanes8(h1), lanes8(xr, 4 * j + 32))
            j += 16
        }
        var tail: Float = 0
        while j < cols { tail += loadHalf(w, 2 * j) * x[j]; j += 1 }
        return (acc0 + acc1).sum() + tail
    }
}
