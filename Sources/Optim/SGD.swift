import Tensor

/// Stochastic gradient descent with (optionally Nesterov) momentum and decoupled weight decay.
public final class SGD: Optimizer {
    public let parameters: [(String, Tensor)]
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public private(set) var stepCount = 0
    var velocities: [Tensor]

    public init(_ parameters: [(String, Tensor)], learningRate: Float, momentum: Float = 0.9, nesterov: Bool = false, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        velocities = parameters.map { Tensor(zeros: $0.1.shape) }
    }

    public func step() {
        stepCount += 1
        let (mu, lr, decay) = (momentum, learningRate, 1 - learningRate * weightDecay)
        let nesterov = self.nesterov
        for (i, (_, p)) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            let pp = p.data, pg = g.data, vel = velocities[i].data
            parallelChunks(p.count) { s, e in
                for j in s..<e {
                    let v = mu * vel[j] + pg[j]
                    vel[j] = v
                    pp[j] = pp[j] * decay - lr * (nesterov ? pg[j] + mu * v : v)
                }
            }
        }
    }

    public var state: OptimizerState {
        OptimizerState(stepCount: stepCount, tensors: parameters.enumerated().map { ("sgd.velocity.\($0.element.0)", velocities[$0.offset]) })
    }

    public func load(_ state: OptimizerState) throws {
        let byName = Dictionary(state.tensors, uniquingKeysWith: { a, _ in a })
        // Every tensor is checked before any is copied, so a bad state changes nothing.
        let saved = try parameters.map { name, p -> Tensor in
            guard let v = byName["sgd.velocity.\(name)"] else { throw OptimizerError.missingState(name) }
            guard v.shape == p.shape else { throw OptimizerError.shapeMismatch(name, v.shape, p.shape) }
            return v
        }
        for (i, v) in saved.enumerated() { velocities[i].data.update(from: v.data, count: v.count) }
        stepCount = state.stepCount
    }
}
