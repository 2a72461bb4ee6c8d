import Foundation
import Synchronization

/// Freed tensor buffers kept for the next allocation of the same size. A training step allocates
/// the same shapes every time; fresh large blocks come from the kernel as new pages, and faulting
/// in and zeroing them cost more than some of the ops that fill them.
enum StoragePool {
    /// Blocks smaller than this many floats go straight back to malloc (it reuses them well).
    static let minimumCount = 16_384
    /// Bytes kept at most; freeing beyond it returns the memory.
    static let capacityBytes = min(2 << 30, Int(ProcessInfo.processInfo.physicalMemory / 8))

    private struct Shelf {
        var blocks: [Int: [UnsafeMutableRawPointer]] = [:]
        var bytes = 0
    }
    private static let shelf = Mutex(Shelf())

    /// 64-byte aligned memory for `count` floats: a kept block of that size, or a new one.
    static func take(_ count: Int) -> UnsafeMutableRawPointer {
        if count >= minimumCount {
            let kept = shelf.withLock { s -> UnsafeMutableRawPointer? in
                guard let block = s.blocks[count]?.popLast() else { return nil }
                s.bytes -= count * 4
                return block
            }
            if let kept { return kept }
        }
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes for a tensor: use a smaller batch or model")
        }
        return raw
    }

    /// Gives back a block from `take(count)`.
    static func give(_ block: UnsafeMutableRawPointer, count: Int) {
        if count >= minimumCount {
            let kept = shelf.withLock { s -> Bool in
                guard s.bytes + count * 4 <= capacityBytes else { return false }
                s.blocks[count, default: []].append(block)
                s.bytes += count * 4
                return true
            }
            if kept { return }
        }
        free(block)
    }
}
