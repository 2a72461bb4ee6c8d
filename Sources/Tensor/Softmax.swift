import Foundation

// MARK: - Softmax and log-softmax over the last dimension

extension Tensor {
    public func softmax() -> Tensor {
        let c = shape.last ?? 1, rows = count / Swift.max(c, 1)
        let out = Tensor.empty(shape)
        let px = data, py = out.data
        parallelChunks(rows, minChunk: Swift.max(1, 16_384 / Swift.max(c, 1))) { s, e in
            for r in s..<e { Softmax.row(px + r * c, py + r * c, c) }
        }
        let probs = out.storage
        return Tensor.result(out, parents: [self]) { g in
            // dx = y ⊙ (g − Σ g·y)
            let gx = Tensor.empty(self.shape), pg = g.data, pgx = gx.data, py = probs.base
            parallelChunks(rows, minChunk: Swift.max(1, 16_384 / Swift.max(c, 1))) { s, e in
                for r in s..<e {
                    let y = py + r * c, gr = pg + r * c, d = pgx + r * c
                    let dot = Kernels.dot(gr, y, count: c)
                    for i in 0..<c { d[i] = y[i] * (gr[i] - dot) }
                }
            }
            self.accumulateGrad(gx)
        }
    }

    public func logSoftmax() -> Tensor {
        let c = shape.last ?? 1, rows = count / Swift.max(c, 1)
        let out = Tensor.empty(shape)
        let px = data, py = out.data
        parallelChunks(rows, minChunk: Swift.max(1, 16_384 / Swift.max(c, 1))) { s, e in
            for r in s..<e {
                let x = px + r * c, y = py + r * c
                let lse = Softmax.logSumExp(x, c)
                for i in 0..<c { y[i] = x[i] - lse }
            }
        }
        let logProbs = out.storage
        return Tensor.result(out, parents: [self]) { g in
            // dx = g − softmax · Σ g
            let gx = Tensor.empty(self.shape), pg = g.data, pgx = gx.data, py = logProbs.base
            for r in 0..<rows {
                let y = py + r * c, gr = pg + r * c, d = pgx + r * c
                let total = Kernels.sum(gr, count: c)
                for i in 0..<c { d[i] = gr[i] - Foundation.exp(y[i]) * total }
            }
            self.accumulateGrad(gx)
        }
    }
}

/// Row kernels shared by softmax, log-softmax, attention and cross-entropy.
public enum Softmax {
    /// y = softmax(x) over `n` values (y may equal x).
    @inlinable @inline(__always)
    public static func row(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let m = FastMath.maximum(x, count: n)
        if m == -.infinity { y.update(repeating: 0, count: n); return }
        FastMath.scale(y, count: n, by: 1 / FastMath.expShifted(x, y, count: n, shift: m))
    }

    /// log Σ exp(x) over `n` values, stable.
    @inlinable @inline(__always)
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        let m = FastMath.maximum(x, count: n)
        if m == -.infinity { return m }
        return m + Foundation.log(FastMath.sumExpShifted(x, count: n, shift: m))
    }
}
