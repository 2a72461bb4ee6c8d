import Foundation

/// The bytes of a GGUF file: a read-only memory mapping, or an owned copy. Unmapped or freed on deinit.
final class GGUFStorage {
    let base: UnsafeRawPointer
    let size: Int
    private let release: () -> Void

    /// Maps the whole file read-only.
    init(mapping url: URL) throws {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError.io(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw GGUFError.io(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else { throw GGUFError.truncated(what: "magic", offset: 0, needed: 4, size: 0) }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError.io(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
        self.size = size
        release = { munmap(p, size) }
    }

    /// Copies `data` into an owned, 64-byte aligned buffer.
    init(copying data: Data) {
        let size = data.count
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 64)
        data.withUnsafeBytes { if size > 0 { p.copyMemory(from: $0.baseAddress!, byteCount: size) } }
        base = UnsafeRawPointer(p)
        self.size = size
        release = { p.deallocate() }
    }

    deinit { release() }
}
