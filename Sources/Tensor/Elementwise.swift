// MARK: - Binary ops with broadcasting (forward and backward side by side)

extension Tensor {
    /// Applies `f` elementwise over the broadcast of `a` and `b`.
    @inline(__always)
    static func broadcastMap(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let pa = a.data, pb = b.data
        if a.shape == b.shape {
            let out = Tensor.empty(a.shape), po = out.data
            parallelChunks(a.count) { s, e in for i in s..<e { po[i] = f(pa[i], pb[i]) } }
            return out
        }
        let outShape = Broadcast.shape(a.shape, b.shape)
        let out = Tensor.empty(outShape), po = out.data
        if b.count == 1 && outShape == a.shape {
            let y = pb[0]
            parallelChunks(a.count) { s, e in for i in s..<e { po[i] = f(pa[i], y) } }
        } else if a.count == 1 && outShape == b.shape {
            let x = pa[0]
            parallelChunks(b.count) { s, e in for i in s..<e { po[i] = f(x, pb[i]) } }
        } else if outShape == a.shape && Array(a.shape.suffix(b.rank)) == b.shape {
            // b repeats along the leading dimensions of a.
            let n = b.count
            for r in 0..<(a.count / n) {
                let ra = pa + r * n, ro = po + r * n
                for i in 0..<n { ro[i] = f(ra[i], pb[i]) }
            }
        } else {
            let sa = Broadcast.strides(of: a.shape, in: outShape)
            let sb = Broadcast.strides(of: b.shape, in: outShape)
            Broadcast.forEachRow(outShape, [sa, sb]) { o, offs, st, n in
                var ia = offs[0], ib = offs[1]
                for i in 0..<n { po[o + i] = f(pa[ia], pb[ib]); ia += st[0]; ib += st[1] }
            }
        }
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, +)
        return result(out, parents: [a, b]) { g in
            a.accumulateGrad(g.sum(toShape: a.shape))
            b.accumulateGrad(g.sum(toShape: b.shape))
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, -)
        return result(out, parents: [a, b]) { g in
            a.accumulateGrad(g.sum(toShape: a.shape))
            if b.requiresGrad { b.accumulateGrad(Autograd.noGrad { -g }.sum(toShape: b.shape)) }
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, *)
        return result(out, parents: [a, b]) { g in
            Autograd.noGrad {
                if a.requiresGrad { a.accumulateGrad((g * b).sum(toShape: a.shape)) }
                if b.requiresGrad { b.accumulateGrad((g * a).sum(toShape: b.shape)) }
            }
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, /)
        let quotient = out.storage // not `out`: the closure is stored in out's node
        return result(out, parents: [a, b]) { g in
            Autograd.noGrad {
                if a.requiresGrad { a.accumulateGrad((g / b).sum(toShape: a.shape)) }
                if b.requiresGrad {
                    let gb = broadcastMap(g * Tensor(shape: g.shape, storage: quotient), b) { go, y in -go / y }
                    b.accumulateGrad(gb.sum(toShape: b.shape))
                }
            }
        }
    }

    // MARK: - Scalar operands
    public static func + (a: Tensor, s: Float) -> Tensor { a.mapped(derivative: { _, _ in 1 }) { $0 + s } }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func * (a: Tensor, s: Float) -> Tensor {
        let out = Tensor.empty(a.shape)
        Kernels.scale(a.data, by: s, into: out.data, count: a.count)
        return result(out, parents: [a]) { g in a.accumulateGrad(Autograd.noGrad { g * s }) }
    }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }
}
