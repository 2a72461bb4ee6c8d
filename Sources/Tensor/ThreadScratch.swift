import Foundation

/// A float buffer that grows on demand and is reused between calls (fresh pages would be faulted
/// in and zeroed by the kernel every time).
public final class Workspace {
    private var buffer: UnsafeMutablePointer<Float>?
    private var capacity = 0

    public init() {}

    /// At least `count` floats (contents unspecified), valid until the next call.
    public func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity || buffer == nil {
            buffer?.deallocate()
            buffer = .allocate(capacity: max(count, 1))
            capacity = count
        }
        return buffer!
    }

    deinit { buffer?.deallocate() }
}

/// A `Workspace` per thread: hot loops on pool threads get scratch space without allocating.
public enum ThreadScratch {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // The workspace is released when its thread ends.
        pthread_key_create(&key) { if let raw = $0 { Unmanaged<AnyObject>.fromOpaque(raw).release() } }
        return key
    }()

    /// At least `count` floats of this thread's scratch (contents undefined; valid until this
    /// thread asks again).
    public static func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<Workspace>.fromOpaque(raw).takeUnretainedValue().reserve(count)
        }
        let workspace = Workspace()
        pthread_setspecific(key, Unmanaged.passRetained(workspace).toOpaque())
        return workspace.reserve(count)
    }
}
