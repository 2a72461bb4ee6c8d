import Foundation
import Tensor

/// A parameter update rule whose state can be saved and restored for exact resume.
public protocol Optimizer: AnyObject {
    var parameters: [(String, Tensor)] { get }
    var learningRate: Float { get set }
    var stepCount: Int { get }
    /// Applies one update from the parameters' accumulated gradients.
    func step()
    var state: OptimizerState { get }
    func load(_ state: OptimizerState) throws
}

extension Optimizer {
    public func zeroGrad() { for (_, p) in parameters { p.zeroGrad() } }
}

/// Everything an optimiser needs to continue exactly: named tensors plus the step counter.
public struct OptimizerState {
    public var stepCount: Int
    public var tensors: [(String, Tensor)]
    public init(stepCount: Int, tensors: [(String, Tensor)]) {
        self.stepCount = stepCount
        self.tensors = tensors
    }
}

public enum OptimizerError: Error, CustomStringConvertible {
    case missingState(String)
    case shapeMismatch(String, [Int], [Int])
    /// A parameter's update count that is not a whole number ≥ 0.
    case badUpdateCount(String)
    public var description: String {
        switch self {
        case .missingState(let name):
            return "the checkpoint has no optimiser state for parameter '\(name)': it was saved from another model or optimiser; start a new run or load a matching checkpoint"
        case .shapeMismatch(let name, let saved, let expected):
            return "optimiser state for '\(name)' has shape \(saved) but the parameter is \(expected): the checkpoint belongs to a differently sized model"
        case .badUpdateCount(let name):
            return "the optimiser state's update count of '\(name)' is not a whole number ≥ 0: the checkpoint is damaged; resume from another one or start a new run"
        }
    }
}

// MARK: - Gradient utilities

public enum Gradients {
    /// The L2 norm of all gradients together.
    public static func globalNorm(_ parameters: [Tensor]) -> Float {
        var total = 0.0
        for p in parameters { if let g = p.grad { total += Double(Kernels.dot(g.data, g.data, count: g.count)) } }
        return Float(total.squareRoot())
    }

    /// Scales all gradients down so that their global norm is at most `maxNorm`; returns the norm before.
    @discardableResult
    public static func clip(_ parameters: [Tensor], maxNorm: Float) -> Float {
        let norm = globalNorm(parameters)
        if norm > maxNorm && norm.isFinite { scale(parameters, by: maxNorm / (norm + 1e-6)) }
        return norm
    }

    /// Multiplies every gradient by `factor` (e.g. 1/k after accumulating k micro-batches).
    public static func scale(_ parameters: [Tensor], by factor: Float) {
        for p in parameters { p.scaleGrad(by: factor) }
    }
}
