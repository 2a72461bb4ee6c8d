import Foundation

/// A float32 n-d tensor on contiguous row-major storage, a node of the autodiff graph.
///
/// Shape legend used in comments across the project: B batch, T time, C channels,
/// V vocabulary, H heads, D head size.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let storage: TensorStorage
    /// Name used in messages and as a checkpoint key when this is a parameter.
    public var name: String?

    // MARK: - Autodiff state
    /// True when gradients flow into this tensor (set on parameters and on results of ops over them).
    public var requiresGrad: Bool
    /// Accumulated gradient, same shape as the tensor; nil until a backward pass reaches it.
    public var grad: Tensor?
    /// True when `grad` is owned here and may be accumulated into in place.
    var gradIsOwned = false
    /// How this tensor was made (nil for leaves and for results computed without grad).
    var node: GradNode?

    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not match \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    // MARK: - Creation
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), repeating: 0), requiresGrad: requiresGrad)
    }

    public convenience init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), repeating: value))
    }

    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        let storage = TensorStorage(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: values.count) }
        self.init(shape: shape, storage: storage, requiresGrad: requiresGrad)
    }

    /// A rank-0 tensor holding one value.
    public convenience init(scalar: Float) { self.init([scalar], shape: []) }

    /// Uninitialised tensor: every element must be written before it is read.
    public static func empty(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(uninitializedCount: shape.reduce(1, *)))
    }

    // MARK: - Shape
    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var data: UnsafeMutablePointer<Float> { storage.base }

    /// Size of dimension `axis`; negative axes count from the end.
    public func size(_ axis: Int) -> Int { shape[normalizedAxis(axis)] }

    public func normalizedAxis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < Swift.max(rank, 1), "axis \(axis) out of range for shape \(shape)")
        return a
    }

    // MARK: - Values
    public var scalars: [Float] { Array(storage.buffer) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return data[0]
    }

    public subscript(flat index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }

    /// A copy with its own storage and no autodiff history.
    public func copy() -> Tensor {
        let out = Tensor.empty(shape)
        out.data.update(from: data, count: count)
        return out
    }

    /// This tensor's values, cut from the graph (shares storage).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape)\(name.map { " \($0)" } ?? ""): [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
