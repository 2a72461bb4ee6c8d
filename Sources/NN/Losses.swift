import Foundation
import Tensor

/// How per-row (or per-element) losses are combined into a scalar.
public enum LossReduction: Sendable {
    case sum
    case mean
}

// MARK: - Cosine distance

/// Σ or mean over rows of 1 − cos(a, b), the cosine taken along the last dimension:
/// cos = a·b / (max(‖a‖, eps) · max(‖b‖, eps)). `a` and `b` have the same shape [..., D].
/// This is EchoX's denoising loss (adapter output against the embeddings of the text tokens).
public func cosineDistanceLoss(_ a: Tensor, _ b: Tensor, reduction: LossReduction = .mean, eps: Float = 1e-8) -> Tensor {
    precondition(a.shape == b.shape && a.rank >= 1, "cosine loss needs equal shapes [..., D], got \(a.shape) and \(b.shape)")
    let d = a.shape.last!, rows = a.count / Swift.max(d, 1)
    // Per row: cosine, 1/‖a‖ and 1/‖b‖ (clamped norms), kept for the backward pass.
    var cosine = [Float](repeating: 0, count: rows)
    var invA = [Float](repeating: 0, count: rows), invB = [Float](repeating: 0, count: rows)
    let pa = a.data, pb = b.data
    for r in 0..<rows {
        let x = pa + r * d, y = pb + r * d
        let na = Swift.max(Kernels.dot(x, x, count: d).squareRoot(), eps)
        let nb = Swift.max(Kernels.dot(y, y, count: d).squareRoot(), eps)
        invA[r] = 1 / na; invB[r] = 1 / nb
        cosine[r] = Kernels.dot(x, y, count: d) * invA[r] * invB[r]
    }
    var total: Double = 0
    for c in cosine { total += Double(1 - c) }
    let scale: Float = reduction == .mean ? 1 / Float(Swift.max(rows, 1)) : 1
    let out = Tensor(scalar: Float(total) * scale)
    return Tensor.result(out, parents: [a, b]) { g in
        let s = g.item * scale
        // ∂cos/∂a = b/(‖a‖‖b‖) − cos·a/‖a‖² (the second term only where ‖a‖ > eps), likewise for b.
        func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ invX: [Float], _ invY: [Float]) -> Tensor {
            let gx = Tensor.empty(a.shape), out = gx.data
            for r in 0..<rows {
                let xr = x + r * d, yr = y + r * d, o = out + r * d
                let clamped = invX[r] == 1 / eps
                let cy = -s * invX[r] * invY[r], cx = clamped ? 0 : s * cosine[r] * invX[r] * invX[r]
                for i in 0..<d { o[i] = cy * yr[i] + cx * xr[i] }
            }
            return gx
        }
        if a.requiresGrad { a.accumulateGrad(gradient(pa, pb, invA, invB)) }
        if b.requiresGrad { b.accumulateGrad(gradient(pb, pa, invB, invA)) }
    }
}

// MARK: - Mean squared error

/// Σ or mean over elements of (a − b)², with `a` and `b` of the same shape.
public func mseLoss(_ a: Tensor, _ b: Tensor, reduction: LossReduction = .mean) -> Tensor {
    precondition(a.shape == b.shape, "MSE needs equal shapes, got \(a.shape) and \(b.shape)")
    let n = a.count, pa = a.data, pb = b.data
    let diff = TensorStorage(uninitializedCount: n), pd = diff.base
    parallelChunks(n) { s, e in for i in s..<e { pd[i] = pa[i] - pb[i] } }
    let scale: Float = reduction == .mean ? 1 / Float(Swift.max(n, 1)) : 1
    let out = Tensor(scalar: Kernels.dot(pd, pd, count: n) * scale)
    return Tensor.result(out, parents: [a, b]) { g in
        let k = 2 * g.item * scale
        let ga = Tensor.empty(a.shape)
        Kernels.scale(diff.base, by: k, into: ga.data, count: n)
        if a.requiresGrad { a.accumulateGrad(ga) }
        if b.requiresGrad { b.accumulateGrad(Autograd.noGrad { -ga }) }
    }
}
