// MARK: - Reductions (forward and backward side by side)

extension Tensor {
    /// Splits the shape around `axis` into (outer, axis length, inner) counts.
    func axisSplit(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let a = normalizedAxis(axis)
        return (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
    }

    func reducedShape(_ axis: Int, keepDim: Bool) -> [Int] {
        var s = shape
        let a = normalizedAxis(axis)
        if keepDim { s[a] = 1 } else { s.remove(at: a) }
        return s
    }

    /// Sum of all elements, a scalar.
    public func sum() -> Tensor {
        let out = Tensor(scalar: Kernels.sum(data, count: count))
        return Tensor.result(out, parents: [self]) { g in
            self.accumulateGrad(Tensor(repeating: g.item, shape: self.shape))
        }
    }

    /// Mean of all elements, a scalar.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Sum along `axis`.
    public func sum(axis: Int, keepDim: Bool = false) -> Tensor {
        let (outer, n, inner) = axisSplit(axis)
        let out = Tensor(zeros: reducedShape(axis, keepDim: keepDim))
        let px = data, po = out.data
        for o in 0..<outer {
            for k in 0..<n {
                let row = px + (o * n + k) * inner, dst = po + o * inner
                for i in 0..<inner { dst[i] += row[i] }
            }
        }
        return Tensor.result(out, parents: [self]) { g in
            let gx = Tensor.empty(self.shape), pg = g.data, pgx = gx.data
            for o in 0..<outer {
                for k in 0..<n { (pgx + (o * n + k) * inner).update(from: pg + o * inner, count: inner) }
            }
            self.accumulateGrad(gx)
        }
    }

    /// Mean along `axis`.
    public func mean(axis: Int, keepDim: Bool = false) -> Tensor {
        sum(axis: axis, keepDim: keepDim) * (1 / Float(Swift.max(size(axis), 1)))
    }

    /// Maximum along `axis`; the gradient goes to the first maximal element.
    public func max(axis: Int, keepDim: Bool = false) -> Tensor {
        let (outer, n, inner) = axisSplit(axis)
        let indices = argmax(axis: axis)
        let out = Tensor.empty(reducedShape(axis, keepDim: keepDim))
        let px = data, po = out.data
        for o in 0..<outer {
            for i in 0..<inner { po[o * inner + i] = px[(o * n + indices[o * inner + i]) * inner + i] }
        }
        return Tensor.result(out, parents: [self]) { g in
            let gx = Tensor(zeros: self.shape), pg = g.data, pgx = gx.data
            for o in 0..<outer {
                for i in 0..<inner { pgx[(o * n + indices[o * inner + i]) * inner + i] = pg[o * inner + i] }
            }
            self.accumulateGrad(gx)
        }
    }

    /// Index of the maximum along `axis` (first one on ties), in row-major order of the rest.
    public func argmax(axis: Int = -1) -> [Int] {
        let (outer, n, inner) = axisSplit(axis)
        var result = Array(repeating: 0, count: outer * inner)
        let px = data
        for o in 0..<outer {
            for i in 0..<inner {
                var best = 0
                var bestValue = px[o * n * inner + i]
                for k in 1..<Swift.max(n, 1) where px[(o * n + k) * inner + i] > bestValue {
                    bestValue = px[(o * n + k) * inner + i]; best = k
                }
                result[o * inner + i] = best
            }
        }
        return result
    }
}
