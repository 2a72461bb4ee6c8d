import Foundation
import Tensor

extension Tensor {
    /// Mean cross-entropy of logits [N, V] (or [B, T, V]) against target ids, fused with the softmax.
    /// Targets equal to `ignoreIndex` do not count. With label smoothing ε the target distribution is
    /// (1 − ε)·onehot + ε/V. Returns a scalar; its gradient is (softmax − target)/N per row.
    public func crossEntropy(targets: [Int32], ignoreIndex: Int32 = -100, labelSmoothing: Float = 0) -> Tensor {
        let v = shape.last!, rows = count / v
        precondition(targets.count == rows, "\(targets.count) targets for \(rows) rows of logits \(shape)")
        for t in targets where t != ignoreIndex {
            precondition(t >= 0 && Int(t) < v, "target id \(t) outside the vocabulary of \(v)")
        }
        let counted = targets.filter { $0 != ignoreIndex }.count
        let rowLoss = UnsafeMutablePointer<Float>.allocate(capacity: rows)
        defer { rowLoss.deallocate() }
        let logSumExps = TensorStorage(uninitializedCount: rows)  // kept for the backward
        let px = data
        let eps = labelSmoothing
        parallelChunks(rows, minChunk: Swift.max(1, 65_536 / v)) { s, e in
            let plse = logSumExps.base
            for r in s..<e {
                let x = px + r * v
                let lse = Softmax.logSumExp(x, v)
                plse[r] = lse
                let target = targets[r]
                guard target != ignoreIndex else { rowLoss[r] = 0; continue }
                var loss = (1 - eps) * (lse - x[Int(target)])
                if eps > 0 { loss += eps * (lse - Kernels.sum(x, count: v) / Float(v)) }
                rowLoss[r] = loss
            }
        }
        let total = Kernels.sum(rowLoss, count: rows)
        let out = Tensor(scalar: counted > 0 ? total / Float(counted) : 0)
        return Tensor.result(out, parents: [self]) { g in
            let gx = Tensor.empty(self.shape), pgx = gx.data, plse = logSumExps.base
            let scale = g.item / Float(Swift.max(counted, 1))
            parallelChunks(rows, minChunk: Swift.max(1, 65_536 / v)) { s, e in
                for r in s..<e {
                    let x = px + r * v, d = pgx + r * v
                    let target = targets[r]
                    guard target != ignoreIndex else { for i in 0..<v { d[i] = 0 }; continue }
                    let smooth = eps / Float(v)
                    _ = FastMath.expShifted(x, d, count: v, shift: plse[r])
                    for i in 0..<v { d[i] = (d[i] - smooth) * scale }
                    d[Int(target)] -= (1 - eps) * scale
                }
            }
            self.accumulateGrad(gx)
        }
    }
}
