import Foundation

/// Splits `0..<count` into contiguous chunks run on all cores; small ranges run inline.
/// `body(start, end)` must only write memory owned by its own chunk. Inside a chunk, nested
/// calls (and BLAS products) run on the calling thread, so cores are never oversubscribed.
/// The chunks go to the spinning pool: a training step runs thousands of these regions, and a
/// helper that is still spinning starts at once where a sleeping dispatch worker started so late
/// that the caller had often run both halves alone.
@inline(__always)
public func parallelChunks(_ count: Int, minChunk: Int = 32_768, _ body: (Int, Int) -> Void) {
    let workers = ParallelRegion.isWorker ? 1 : min(Parallelism.cores, max(1, count / minChunk))
    if workers <= 1 { body(0, count); return }
    let chunk = (count + workers - 1) / workers
    SpinningPool.shared.run(tasks: workers) { w in
        let start = w * chunk
        let end = min(count, start + chunk)
        guard start < end else { return }
        body(start, end)
    }
}

public enum Parallelism {
    /// Worker threads used by tensor loops and matrix products (the machine's active processors).
    nonisolated(unsafe) public static var cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body` with every parallel loop it starts on the calling thread alone: work on a thread of
    /// its own (speech made while text is decoded) keeps to its core instead of competing for the others.
    public static func serially<T>(_ body: () throws -> T) rethrows -> T {
        if ParallelRegion.isWorker { return try body() }
        ParallelRegion.enter()
        defer { ParallelRegion.leave() }
        return try body()
    }
}

/// Marks threads that are running a chunk of a parallel loop.
enum ParallelRegion {
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    @inline(__always) static var isWorker: Bool { pthread_getspecific(key) != nil }
    @inline(__always) static func enter() { pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1)) }
    @inline(__always) static func leave() { pthread_setspecific(key, nil) }
}
