import Foundation

/// Contiguous, 64-byte aligned float32 memory shared by tensors and their reshaped views.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    /// Uninitialised memory for `count` floats.
    public init(uninitializedCount count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes for a tensor")
        }
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Memory for `count` floats, every one set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    deinit { free(base) }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: base, count: count) }
}
