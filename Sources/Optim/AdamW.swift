import Foundation
import Tensor

/// Parameters that share a learning-rate scale and a weight decay (e.g. LoRA adapters at 2× the
/// base rate, or norms and biases without decay).
public struct ParameterGroup {
    public var name: String
    public var parameters: [(String, Tensor)]
    /// Multiplies the optimiser's (scheduled) learning rate for this group.
    public var rateScale: Float
    public var weightDecay: Float

    public init(_ name: String, _ parameters: [(String, Tensor)], rateScale: Float = 1, weightDecay: Float) {
        self.name = name
        self.parameters = parameters
        self.rateScale = rateScale
        self.weightDecay = weightDecay
    }

    /// Two groups: matrices with `weightDecay`, and vectors (norm weights, biases) without.
    public static func decayMatrices(_ parameters: [(String, Tensor)], weightDecay: Float) -> [ParameterGroup] {
        [ParameterGroup("decay", parameters.filter { $0.1.rank >= 2 }, weightDecay: weightDecay),
         ParameterGroup("no-decay", parameters.filter { $0.1.rank < 2 }, weightDecay: 0)].filter { !$0.parameters.isEmpty }
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch's AdamW, over parameter groups.
/// As there, a parameter without a gradient in a step is left alone, and each parameter's bias
/// correction counts its own updates: one that starts to learn late (a LoRA adapter after a CTC
/// warm-up) starts as Adam starts, not with moments corrected as if they had run all along.
public final class AdamW: Optimizer {
    public let groups: [ParameterGroup]
    public let parameters: [(String, Tensor)]
    public var learningRate: Float
    public var beta1: Float, beta2: Float, eps: Float
    public private(set) var stepCount = 0
    let rateScales: [Float]   // per parameter, from its group
    /// Per parameter, a further factor on its rate (`scaleRates`; 1 unless set).
    private(set) var rateFactors: [Float]
    let decays: [Float]
    var moments1: [Tensor]    // same shapes as the parameters
    var moments2: [Tensor]
    /// Per parameter, the steps that updated it (its bias correction's t).
    private(set) var updates: [Int]

    public init(groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.groups = groups
        parameters = groups.flatMap(\.parameters)
        rateScales = groups.flatMap { g in g.parameters.map { _ in g.rateScale } }
        decays = groups.flatMap { g in g.parameters.map { _ in g.weightDecay } }
        rateFactors = parameters.map { _ in 1 }
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        moments1 = parameters.map { Tensor(zeros: $0.1.shape) }
        moments2 = parameters.map { Tensor(zeros: $0.1.shape) }
        updates = parameters.map { _ in 0 }
    }

    /// One group with `weightDecay`, except the parameters named in `noDecay`.
    public convenience init(_ parameters: [(String, Tensor)], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            eps: Float = 1e-8, weightDecay: Float = 0.01, noDecay: Set<String> = []) {
        let groups = [ParameterGroup("decay", parameters.filter { !noDecay.contains($0.0) }, weightDecay: weightDecay),
                      ParameterGroup("no-decay", parameters.filter { noDecay.contains($0.0) }, weightDecay: 0)]
        self.init(groups: groups.filter { !$0.parameters.isEmpty }, learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps)
    }

    /// Multiplies each parameter's rate by `factor(name)` (on top of its group's scale) from the next step on.
    public func scaleRates(_ factor: (String) -> Float) {
        for (i, (name, _)) in parameters.enumerated() { rateFactors[i] = factor(name) }
    }

    public func step() {
        stepCount += 1
        let (b1, b2, eps) = (beta1, beta2, self.eps)
        for (i, (_, p)) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            updates[i] += 1
            let t = Float(updates[i])
            let correction1 = 1 - powf(b1, t), correction2 = 1 - powf(b2, t)
            let lr = learningRate * rateScales[i] * rateFactors[i]
            let decay = 1 - lr * decays[i]
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
            tensors.append(("adam.t.\(name)", Tensor([Float(updates[i])], shape: [1])))
        }
        return OptimizerState(stepCount: stepCount, tensors: tensors)
    }

    public func load(_ state: OptimizerState) throws {
        let byName = Dictionary(state.tensors, uniquingKeysWith: { a, _ in a })
        // Every tensor is checked before any is copied, so a bad state changes nothing.
        let pairs = try parameters.map { name, p -> (Tensor, Tensor, Int) in
            guard let m = byName["adam.m.\(name)"], let v = byName["adam.v.\(name)"] else {
                throw OptimizerError.missingState(name)
            }
            guard m.shape == p.shape, v.shape == p.shape else { throw OptimizerError.shapeMismatch(name, m.shape, p.shape) }
            // A state written before per-parameter counts: every parameter was updated at every step.
            guard let t = byName["adam.t.\(name)"] else { return (m, v, state.stepCount) }
            guard t.shape == [1] else { throw OptimizerError.shapeMismatch("adam.t.\(name)", t.shape, [1]) }
            guard let count = Int(exactly: t.data[0]), count >= 0 else { throw OptimizerError.badUpdateCount(name) }
            return (m, v, count)
        }
        for (i, (m, v, count)) in pairs.enumerated() {
            moments1[i].data.update(from: m.data, count: m.count)
            moments2[i].data.update(from: v.data, count: v.count)
            updates[i] = count
        }
        stepCount = state.stepCount
    }
}
