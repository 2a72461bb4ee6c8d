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
