import Foundation

/// Contiguous, 64-byte aligned float32 memory shared by tensors and their reshaped views.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    /// Uninitialised memory for `count` floats.
    public init(uninitializedCount count: Int) {
        self.count = count
        base = StoragePool.take(count).bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Memory for `count` floats, every one set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    deinit { StoragePool.give(UnsafeMutableRawPointer(base), count: count) }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: base, count: count) }
}
