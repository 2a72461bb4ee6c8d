import Tensor

/// A layer or model: parameters and child modules found by reflection over stored properties.
///
/// Parameter names are the property paths (`layers.3.attention.wq.weight`); they are the keys of the
/// project's own checkpoints, and per-architecture tables map them to GGUF or Hugging Face names.
/// Properties holding a `Tensor` are parameters, a `Module` or `[Module]` are children
/// (array elements named by index), optionals are followed when set.
open class Module {
    /// True while training (dropout active); set for the whole tree by `train()` / `eval()`.
    public private(set) var isTraining = true

    public init() {}

    /// Parameters of this module itself (not of children), with their property names.
    open var localParameters: [(String, Tensor)] {
        Mirror(reflecting: self).children.compactMap { child in
            guard let label = child.label, let t = Module.unwrap(child.value) as? Tensor else { return nil }
            return (label, t)
        }
    }

    /// Direct child modules with their property names.
    open var children: [(String, Module)] {
        Mirror(reflecting: self).children.flatMap { child -> [(String, Module)] in
            guard let label = child.label else { return [] }
            let value = Module.unwrap(child.value)
            if let m = value as? Module { return [(label, m)] }
            if let list = value as? [Module] { return list.enumerated().map { ("\(label).\($0.offset)", $0.element) } }
            return []
        }
    }

    /// Every parameter in the tree, keyed by its dotted path.
    public var namedParameters: [(String, Tensor)] {
        var out = localParameters
        for (name, child) in children {
            out += child.namedParameters.map { ("\(name).\($0.0)", $0.1) }
        }
        return out
    }

    public var parameters: [Tensor] { namedParameters.map(\.1) }
    public var trainableParameters: [(String, Tensor)] { namedParameters.filter { $0.1.requiresGrad } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Every module in the tree (this one first).
    public var allModules: [Module] { [self] + children.flatMap { $0.1.allModules } }

    /// Every module in the tree with its dotted path (this one as "").
    public var namedModules: [(String, Module)] {
        [("", self)] + children.flatMap { name, child in
            child.namedModules.map { ($0.0.isEmpty ? name : "\(name).\($0.0)", $0.1) }
        }
    }

    /// The random generators of the tree (dropout masks…) by module path: a checkpoint saves them
    /// so that a resumed run draws the same numbers.
    public var randomGenerators: [(String, RandomStateful)] {
        namedModules.compactMap { name, module in (module as? RandomStateful).map { (name, $0) } }
    }

    public func train() { for m in allModules { m.isTraining = true } }
    public func eval() { for m in allModules { m.isTraining = false } }

    /// Stops gradients to every parameter in the tree (they stay as constants).
    public func freeze() { for p in parameters { p.requiresGrad = false } }
    public func unfreeze() { for p in parameters { p.requiresGrad = true } }
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Looks a parameter up by its dotted path.
    public func parameter(named name: String) -> Tensor? { namedParameters.first { $0.0 == name }?.1 }

    static func unwrap(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first.map { unwrap($0.value) } ?? nil
    }
}

/// A module that draws random numbers while it runs (dropout); its generator is part of the training state.
public protocol RandomStateful: AnyObject {
    var rng: SeededRandom { get set }
}

/// Initialisers shared by the layers.
public enum Init {
    /// PyTorch's default for Linear/Conv weights: U(−1/√fanIn, 1/√fanIn).
    public static func kaimingUniform(_ shape: [Int], fanIn: Int, rng: inout SeededRandom) -> Tensor {
        let bound = 1 / Float(fanIn).squareRoot()
        return Tensor.uniform(shape, low: -bound, high: bound, rng: &rng, requiresGrad: true)
    }

    public static func normal(_ shape: [Int], std: Float, rng: inout SeededRandom) -> Tensor {
        Tensor.randn(shape, std: std, rng: &rng, requiresGrad: true)
    }

    public static func constant(_ value: Float, _ shape: [Int]) -> Tensor {
        let t = Tensor(repeating: value, shape: shape)
        t.requiresGrad = true
        return t
    }
}
