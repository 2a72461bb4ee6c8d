import Foundation

/// A float buffer per thread, kept between calls and grown on demand: hot loops on pool threads
/// get scratch space without allocating (fresh pages would be faulted in and zeroed every time).
public enum ThreadScratch {
    private final class Buffer {
        var pointer: UnsafeMutablePointer<Float>
        var capacity: Int
        init(_ capacity: Int) {
            pointer = .allocate(capacity: capacity)
            self.capacity = capacity
        }
        deinit { pointer.deallocate() }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // The buffer is released when its thread ends.
        pthread_key_create(&key) { if let raw = $0 { Unmanaged<AnyObject>.fromOpaque(raw).release() } }
        return key
    }()

    /// At least `count` floats of this thread's scratch (contents undefined; valid until this
    /// thread asks again).
    public static func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let raw = pthread_getspecific(key) {
            let buffer = Unmanaged<Buffer>.fromOpaque(raw).takeUnretainedValue()
            if buffer.capacity >= count { return buffer.pointer }
            Unmanaged<Buffer>.fromOpaque(raw).release()
        }
        let buffer = Buffer(max(count, 1))
        pthread_setspecific(key, Unmanaged.passRetained(buffer).toOpaque())
        return buffer.pointer
    }
}
