import Foundation
import Tensor

/// Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch's AdamW.
public final class AdamW: Optimizer {
    public let parameters: [(String, Tensor)]
    public var learningRate: Float
    public var beta1: Float, beta2: Float, eps: Float
    public var weightDecay: Float
    /// Parameters whose names are here get no weight decay (norm weights, biases, embeddings…).
    public var noDecay: Set<String>
    public private(set) var stepCount = 0
    var moments1: [Tensor]   // same shapes as the parameters
    var moments2: [Tensor]

    public init(_ parameters: [(String, Tensor)], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0.01, noDecay: Set<String> = []) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.weightDecay = weightDecay
        self.noDecay = noDecay
        moments1 = parameters.map { Tensor(zeros: $0.1.shape) }
        moments2 = parameters.map { Tensor(zeros: $0.1.shape) }
    }

    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let correction1 = 1 - powf(beta1, t), correction2 = 1 - powf(beta2, t)
        let (b1, b2, eps, lr) = (beta1, beta2, self.eps, learningRate)
        for (i, (name, p)) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            let decay = noDecay.contains(name) ? 1 : 1 - lr * weightDecay
            let pp = p.data, pg = g.data, m = moments1[i].data, v = moments2[i].data
            let stepSize = lr / correction1, invRootCorrection2 = 1 / correction2.squareRoot()
            parallelChunks(p.count) { s, e in
                for j in s..<e {
                    let gj = pg[j]
                    let mj = b1 * m[j] + (1 - b1) * gj
                    let vj = b2 * v[j] + (1 - b2) * gj * gj
                    m[j] = mj; v[j] = vj
                    pp[j] = pp[j] * decay - stepSize * mj / (vj.squareRoot() * invRootCorrection2 + eps)
                }
            }
        }
    }

    public var state: OptimizerState {
        var tensors: [(String, Tensor)] = []
        for (i, (name, _)) in parameters.enumerated() {
            tensors.append(("adam.m.\(name)", moments1[i]))
            tensors.append(("adam.v.\(name)", moments2[i]))
        }
        return OptimizerState(stepCount: stepCount, tensors: tensors)
    }

    public func load(_ state: OptimizerState) throws {
        let byName = Dictionary(state.tensors, uniquingKeysWith: { a, _ in a })
        for (i, (name, p)) in parameters.enumerated() {
            guard let m = byName["adam.m.\(name)"], let v = byName["adam.v.\(name)"] else {
                throw OptimizerError.missingState(name)
            }
            guard m.shape == p.shape, v.shape == p.shape else { throw OptimizerError.shapeMismatch(name, m.shape, p.shape) }
            moments1[i].data.update(from: m.data, count: m.count)
            moments2[i].data.update(from: v.data, count: v.count)
        }
        stepCount = state.stepCount
    }
}
