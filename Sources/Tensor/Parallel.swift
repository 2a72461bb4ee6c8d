import Dispatch

/// Splits `0..<count` into contiguous chunks run on all cores; small ranges run inline.
/// `body(start, end)` must only write memory owned by its own chunk.
@inline(__always)
public func parallelChunks(_ count: Int, minChunk: Int = 32_768, _ body: (Int, Int) -> Void) {
    let workers = min(Parallelism.cores, max(1, count / minChunk))
    if workers <= 1 { body(0, count); return }
    let chunk = (count + workers - 1) / workers
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let start = w * chunk
        let end = min(count, start + chunk)
        if start < end { body(start, end) }
    }
}

public enum Parallelism {
    /// Worker threads used by tensor loops (the machine's active processors).
    nonisolated(unsafe) public static var cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

import Foundation
