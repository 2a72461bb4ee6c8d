import Foundation

/// Owned memory for the weight matrices of one model, handed out from large 2 MiB-aligned chunks
/// that the kernel is asked to back with huge pages. Decoding streams every weight once per token;
/// with 4 KiB pages that costs a page walk every few thousand values, and speed then depends on
/// where the pages happen to land. A chunk is freed when the last matrix in it is.
public final class WeightArena: @unchecked Sendable {
    static let hugePage = 1 << 21
    private let chunkBytes: Int
    private let lock = NSLock()
    private var current: ArenaChunk?
    private var used = 0

    /// An arena that maps `chunkBytes` (rounded up to 2 MiB) at a time.
    public init(chunkBytes: Int = 64 << 20) {
        self.chunkBytes = max(WeightArena.hugePage, (chunkBytes + WeightArena.hugePage - 1) & ~(WeightArena.hugePage - 1))
    }

    /// `count` bytes, 64-byte aligned, and the object that keeps them alive; an error when the system
    /// has no memory to give.
    func allocate(_ count: Int) throws -> (pointer: UnsafeMutableRawPointer, owner: AnyObject) {
        lock.lock(); defer { lock.unlock() }
        guard count >= 0, count <= Int.max / 4 else { throw GGUFError.outOfMemory(bytes: count) }
        let size = (max(count, 1) + 63) & ~63
        if current == nil || used + size > current!.size {
            current = try ArenaChunk(size: max(chunkBytes, (size + WeightArena.hugePage - 1) & ~(WeightArena.hugePage - 1)))
            used = 0
        }
        let chunk = current!
        defer { used += size }
        return (chunk.base + used, chunk)
    }
}

/// One mapped, huge-page-advised region of a `WeightArena`.
final class ArenaChunk {
    let base: UnsafeMutableRawPointer
    let size: Int
    private let mapping: UnsafeMutableRawPointer
    private let mappedBytes: Int

    init(size: Int) throws {
        self.size = size
        // Mapping one huge page more than needed leaves room to align the start.
        mappedBytes = size + WeightArena.hugePage
        guard let raw = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else {
            throw GGUFError.outOfMemory(bytes: mappedBytes)
        }
        mapping = raw
        let aligned = (Int(bitPattern: raw) + WeightArena.hugePage - 1) & ~(WeightArena.hugePage - 1)
        base = UnsafeMutableRawPointer(bitPattern: aligned)!
        #if os(Linux)
        _ = madvise(base, size, MADV_HUGEPAGE)
        #endif
    }

    deinit { munmap(mapping, mappedBytes) }
}
