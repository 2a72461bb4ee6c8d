import Foundation
import Tensor

// MARK: - Layer normalisation module

/// Layer normalisation over the last dimension with a learned scale and (optional) shift.
public final class LayerNorm: Module {
    public var weight: Tensor   // [C]
    public var bias: Tensor?    // [C]
    public let eps: Float

    public init(_ channels: Int, eps: Float = 1e-5, bias: Bool = true) {
        weight = Init.constant(1, [channels])
        self.bias = bias ? Init.constant(0, [channels]) : nil
        self.eps = eps
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }
}

// MARK: - Fused op

extension Tensor {
    /// (x − mean) / √(var + eps) · weight + bias over the last dimension (biased variance, as PyTorch).
    /// `weight` and `bias` are [C] (either may be nil); forward and backward are single fused passes.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        let c = shape.last ?? 1, rows = count / Swift.max(c, 1)
        precondition(weight.map { $0.shape == [c] } ?? true, "layer norm weight \(weight!.shape) does not fit \(shape)")
        precondition(bias.map { $0.shape == [c] } ?? true, "layer norm bias \(bias!.shape) does not fit \(shape)")
        let out = Tensor.empty(shape)
        let normalized = TensorStorage(uninitializedCount: count)   // x̂ [rows, C]
        let inverseStd = TensorStorage(uninitializedCount: rows)    // 1/σ per row
        let px = data, po = out.data, pn = normalized.base, pr = inverseStd.base
        let pw = weight?.data, pb = bias?.data
        let minChunk = Swift.max(1, 16_384 / Swift.max(c, 1))
        parallelChunks(rows, minChunk: minChunk) { s, e in
            for r in s..<e {
                let x = px + r * c, n = pn + r * c, y = po + r * c
                let mean = Kernels.sum(x, count: c) / Float(c)
                var variance: Float = 0
                for i in 0..<c { let d = x[i] - mean; variance += d * d }
                let rstd = 1 / (variance / Float(c) + eps).squareRoot()
                pr[r] = rstd
                for i in 0..<c { n[i] = (x[i] - mean) * rstd }
                switch (pw, pb) {
                case let (w?, b?): for i in 0..<c { y[i] = n[i] * w[i] + b[i] }
                case let (w?, nil): for i in 0..<c { y[i] = n[i] * w[i] }
                case let (nil, b?): for i in 0..<c { y[i] = n[i] + b[i] }
                case (nil, nil): y.update(from: n, count: c)
                }
            }
        }
        let parents = [self] + [weight, bias].compactMap { $0 }
        return Tensor.result(out, parents: parents) { g in
            // The saved storages are captured here (not only their pointers) so they outlive the forward call.
            let pg = g.data, pn = normalized.base, pr = inverseStd.base
            if self.requiresGrad {
                // dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)), with dx̂ = g · weight.
                let gx = Tensor.empty(self.shape), pgx = gx.data
                parallelChunks(rows, minChunk: minChunk) { s, e in
                    for r in s..<e {
                        let gr = pg + r * c, n = pn + r * c, d = pgx + r * c
                        if let w = pw { for i in 0..<c { d[i] = gr[i] * w[i] } } else { d.update(from: gr, count: c) }
                        let meanD = Kernels.sum(d, count: c) / Float(c)
                        let meanDN = Kernels.dot(d, n, count: c) / Float(c)
                        let rstd = pr[r]
                        for i in 0..<c { d[i] = rstd * (d[i] - meanD - n[i] * meanDN) }
                    }
                }
                self.accumulateGrad(gx)
            }
            if let weight, weight.requiresGrad {
                let gw = Tensor(zeros: [c]), w = gw.data
                for r in 0..<rows {
                    let gr = pg + r * c, n = pn + r * c
                    for i in 0..<c { w[i] += gr[i] * n[i] }
                }
                weight.accumulateGrad(gw)
            }
            if let bias, bias.requiresGrad { bias.accumulateGrad(g.sum(toShape: [c])) }
        }
    }
}
