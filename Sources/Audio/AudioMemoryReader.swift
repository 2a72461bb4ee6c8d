import CSndfile
import Foundation

// MARK: - Reading from memory through libsndfile's virtual I/O

/// Cursor over bytes in memory, handed to libsndfile's virtual I/O callbacks as `user_data`.
private final class MemoryCursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static func from(_ user: UnsafeMutableRawPointer?) -> MemoryCursor {
        Unmanaged<MemoryCursor>.fromOpaque(user!).takeUnretainedValue()
    }
}

private func memoryLength(_ user: UnsafeMutableRawPointer?) -> sf_count_t {
    sf_count_t(MemoryCursor.from(user).bytes.count)
}

private func memorySeek(_ offset: sf_count_t, _ whence: Int32, _ user: UnsafeMutableRawPointer?) -> sf_count_t {
    let cursor = MemoryCursor.from(user)
    let base: Int
    switch whence {
    case SEEK_SET: base = 0
    case SEEK_CUR: base = cursor.position
    case SEEK_END: base = cursor.bytes.count
    default: return -1
    }
    let (target, overflow) = base.addingReportingOverflow(Int(offset))
    guard !overflow, target >= 0 else { return -1 }
    cursor.position = min(target, cursor.bytes.count)
    return sf_count_t(cursor.position)
}

private func memoryRead(_ destination: UnsafeMutableRawPointer?, _ count: sf_count_t, _ user: UnsafeMutableRawPointer?) -> sf_count_t {
    let cursor = MemoryCursor.from(user)
    guard let destination, count > 0, let base = cursor.bytes.baseAddress else { return 0 }
    let n = min(Int(count), cursor.bytes.count - cursor.position)
    guard n > 0 else { return 0 }
    destination.copyMemory(from: base + cursor.position, byteCount: n)
    cursor.position += n
    return sf_count_t(n)
}

private func memoryWrite(_ source: UnsafeRawPointer?, _ count: sf_count_t, _ user: UnsafeMutableRawPointer?) -> sf_count_t { 0 }

private func memoryTell(_ user: UnsafeMutableRawPointer?) -> sf_count_t {
    sf_count_t(MemoryCursor.from(user).position)
}

extension AudioFile {
    /// Decodes an audio file held in memory (same formats and errors as reading from disk);
    /// `name` stands in for the path in error messages.
    public static func read(data: Data, name: String = "<memory>") throws -> AudioClip {
        guard !data.isEmpty else { throw AudioError.empty(path: name) }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> AudioClip in
            let cursor = MemoryCursor(raw)
            let user = Unmanaged.passUnretained(cursor).toOpaque()
            var io = SF_VIRTUAL_IO(get_filelen: memoryLength, seek: memorySeek, read: memoryRead,
                                   write: memoryWrite, tell: memoryTell)
            var info = SF_INFO()
            guard let handle = sf_open_virtual(&io, Int32(SFM_READ), &info, user) else {
                throw openError(path: name, handle: nil)
            }
            defer { sf_close(handle) }
            return try withExtendedLifetime(cursor) { try decode(handle, info: info, path: name) }
        }
    }
}
