import Foundation
import Tensor

/// y = x / √(mean(x²) + eps) · weight over the last dimension.
public final class RMSNorm: Module {
    public let weight: Tensor   // [C]
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = Init.constant(1, [dim])
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.rmsNorm(weight: weight, eps: eps) }
}

extension Tensor {
    /// Fused RMS normalisation over the last dimension (forward and backward side by side).
    public func rmsNorm(weight: Tensor, eps: Float) -> Tensor {
        let c = shape.last!, rows = count / c
        precondition(weight.shape == [c], "RMSNorm weight \(weight.shape) for inputs of width \(c)")
        let out = Tensor.empty(shape)
        let rstd = TensorStorage(uninitializedCount: rows) // 1/rms per row, kept for the backward
        let px = data, pw = weight.data, py = out.data
        parallelChunks(rows, minChunk: Swift.max(1, 8192 / c)) { s, e in
            let pr = rstd.base
            for r in s..<e {
                let x = px + r * c, y = py + r * c
                let ms = Kernels.dot(x, x, count: c) / Float(c)
                let inv = 1 / (ms + eps).squareRoot()
                pr[r] = inv
                for i in 0..<c { y[i] = x[i] * inv * pw[i] }
            }
        }
        return Tensor.result(out, parents: [self, weight]) { g in
            let pg = g.data, pr = rstd.base
            if self.requiresGrad {
                // dx = inv·(g⊙w) − x·inv³·mean(g⊙w⊙x)
                let gx = Tensor.empty(self.shape), pgx = gx.data
                parallelChunks(rows, minChunk: Swift.max(1, 8192 / c)) { s, e in
                    for r in s..<e {
                        let x = px + r * c, gr = pg + r * c, d = pgx + r * c
                        let inv = pr[r]
                        var dot: Float = 0
                        for i in 0..<c { dot += gr[i] * pw[i] * x[i] }
                        let k = dot * inv * inv * inv / Float(c)
                        for i in 0..<c { d[i] = gr[i] * pw[i] * inv - x[i] * k }
                    }
                }
                self.accumulateGrad(gx)
            }
            if weight.requiresGrad {
                let gw = Tensor(zeros: [c]), pgw = gw.data
                for r in 0..<rows {
                    let x = px + r * c, gr = pg + r * c, inv = pr[r]
                    for i in 0..<c { pgw[i] += gr[i] * x[i] * inv }
                }
                weight.accumulateGrad(gw)
            }
        }
    }
}
