// MARK: - Dot products of one stored row with several activation vectors
//
// Decoding on a CPU of this class is bound by expanding the weights as much as by reading them, so a
// batch expands each block of a row once (masks, integer-to-float conversions, scales) and multiplies
// the expanded lanes with every input. For each input the arithmetic is exactly that of the
// one-input kernel in `RowDot` (same products, same fused multiply-adds, in the same order), so each
// result is bit for bit the same.

extension RowDot {
    /// ys[b][row] = the `q4` product of row `w` with each prepared input xs[b]; `acc` holds 2·n lanes.
    @inline(__always)
    static func q4(_ w: UnsafeRawPointer, _ xs: UnsafeBufferPointer<UnsafePointer<Float>>, pairs: Int, row: Int,
                   _ ys: UnsafeBufferPointer<UnsafeMutablePointer<Float>>, acc: UnsafeMutablePointer<Lanes8>) {
        let n = xs.count
        for b in 0..<(2 * n) { acc[b] = Lanes8() }
        for i in 0..<pairs {
            let p = w + NibblePairs.pairBytes * i
            let scales = Lanes(p.loadUnaligned(as: SIMD4<Float16>.self))
            let d = Lanes8(scales[0], scales[0], scales[0], scales[0], scales[1], scales[1], scales[1], scales[1])
            let o = Lanes8(scales[2], scales[2], scales[2], scales[2], scales[3], scales[3], scales[3], scales[3])
            let v = p.loadUnaligned(fromByteOffset: 8, as: Words8.self)
            let c0 = converted(v & 0xF), c1 = converted(v & 0xF0), c2 = converted(v & 0xF00), c3 = converted(v & 0xF000)
            let c4 = converted(v & 0xF_0000), c5 = converted(v & 0xF0_0000), c6 = converted(v & 0xF00_0000), c7 = converted(v &>> 28)
            for b in 0..<n {
                let base = UnsafeRawPointer(xs[b]), xr = base + 256 * i
                // As `nibblePair`, then the block scale and offset as in `q4`.
                var even = c0 * lanes8(xr, 0)
                var odd = c1 * lanes8(xr, 32)
                even = even.addingProduct(c2, lanes8(xr, 64))
                odd = odd.addingProduct(c3, lanes8(xr, 96))
                even = even.addingProduct(c4, lanes8(xr, 128))
                odd = odd.addingProduct(c5, lanes8(xr, 160))
                even = even.addingProduct(c6, lanes8(xr, 192))
                odd = odd.addingProduct(c7, lanes8(xr, 224))
                acc[2 * b] = acc[2 * b].addingProduct(even + odd, d)
                acc[2 * b + 1] = acc[2 * b + 1].addingProduct(o, lanes8(base + 256 * pairs, 32 * i))
            }
        }
        for b in 0..<n { ys[b][row] = (acc[2 * b] + acc[2 * b + 1]).sum() }
    }

    /// ys[b][row] = the `q8_0` product of row `w` with each input xs[b]; `acc` holds n lanes.
    @inline(__always)
    static func q8_0(_ w: UnsafeRawPointer, _ xs: UnsafeBufferPointer<UnsafePointer<Float>>, blocks: Int, row: Int,
                     _ ys: UnsafeBufferPointer<UnsafeMutablePointer<Float>>, acc: UnsafeMutablePointer<Lanes8>) {
        let n = xs.count
        for b in 0..<n { acc[b] = Lanes8() }
        for k in 0..<blocks {
            let p = w + 34 * k
            let q0 = int8Lanes(p, 2), q1 = int8Lanes(p, 10), q2 = int8Lanes(p, 18), q3 = int8Lanes(p, 26)
            let half = halfLanes(p, 0), d = Lanes8(lowHalf: half, highHalf: half)
            for b in 0..<n {
                // As `q8Block`.
                let xb = UnsafeRawPointer(xs[b]) + 128 * k
                var even = q0 * lanes8(xb, 0)
                var odd = q1 * lanes8(xb, 32)
                even = even.addingProduct(q2, lanes8(xb, 64))
                odd = odd.addingProduct(q3, lanes8(xb, 96))
                acc[b] += (even + odd) * d
            }
        }
        for b in 0..<n { ys[b][row] = acc[b].sum() }
    }
}

// MARK: - Four inputs with their sums in registers

extension RowDot {
    /// The `q4` products of row `w` with four prepared inputs, their sums kept in registers.
    @inline(__always)
    static func q4(_ w: UnsafeRawPointer, _ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer, _ x2: UnsafeRawPointer, _ x3: UnsafeRawPointer,
                   pairs: Int) -> (Float, Float, Float, Float) {
        var a0 = Lanes8(), a1 = Lanes8(), a2 = Lanes8(), a3 = Lanes8()
        var o0 = Lanes8(), o1 = Lanes8(), o2 = Lanes8(), o3 = Lanes8()
        let sums = 256 * pairs
        for i in 0..<pairs {
            let p = w + NibblePairs.pairBytes * i
            let scales = Lanes(p.loadUnaligned(as: SIMD4<Float16>.self))
            let d = Lanes8(scales[0], scales[0], scales[0], scales[0], scales[1], scales[1], scales[1], scales[1])
            let o = Lanes8(scales[2], scales[2], scales[2], scales[2], scales[3], scales[3], scales[3], scales[3])
            let v = p.loadUnaligned(fromByteOffset: 8, as: Words8.self)
            let q = 256 * i
            a0 = a0.addingProduct(nibblePair(v, x0 + q), d); o0 = o0.addingProduct(o, lanes8(x0 + sums, 32 * i))
            a1 = a1.addingProduct(nibblePair(v, x1 + q), d); o1 = o1.addingProduct(o, lanes8(x1 + sums, 32 * i))
            a2 = a2.addingProduct(nibblePair(v, x2 + q), d); o2 = o2.addingProduct(o, lanes8(x2 + sums, 32 * i))
            a3 = a3.addingProduct(nibblePair(v, x3 + q), d); o3 = o3.addingProduct(o, lanes8(x3 + sums, 32 * i))
        }
        return ((a0 + o0).sum(), (a1 + o1).sum(), (a2 + o2).sum(), (a3 + o3).sum())
    }

    /// The `q8_0` products of row `w` with four inputs, their sums kept in registers.
    @inline(__always)
    static func q8_0(_ w: UnsafeRawPointer, _ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer, _ x2: UnsafeRawPointer, _ x3: UnsafeRawPointer,
                     blocks: Int) -> (Float, Float, Float, Float) {
        var a0 = Lanes8(), a1 = Lanes8(), a2 = Lanes8(), a3 = Lanes8()
        for k in 0..<blocks {
            let p = w + 34 * k, x = 128 * k
            a0 += q8Block(p, x0 + x); a1 += q8Block(p, x1 + x); a2 += q8Block(p, x2 + x); a3 += q8Block(p, x3 + x)
        }
        return (a0.sum(), a1.sum(), a2.sum(), a3.sum())
    }
}
