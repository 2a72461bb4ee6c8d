import Foundation

/// Everything that can go wrong reading, writing or processing audio; each message says what to do next.
public enum AudioError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// No file at the path.
    case fileNotFound(path: String)
    /// The file exists but cannot be opened (permissions, a directory, an I/O error).
    case unreadable(path: String, reason: String)
    /// libsndfile does not recognise the container or encoding.
    case unsupportedFormat(path: String, reason: String)
    /// The header or data is damaged.
    case corrupt(path: String, reason: String)
    /// The file decodes to zero frames.
    case empty(path: String)
    /// Writing failed (directory missing, disk full, format rejected).
    case writeFailed(path: String, reason: String)
    /// A caller passed a value outside what the operation accepts.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "audio file not found: \(path) — check the path (relative paths start at the current directory)"
        case .unreadable(let path, let reason):
            return "cannot open audio file \(path): \(reason) — check that it is a regular file you may read"
        case .unsupportedFormat(let path, let reason):
            return "unsupported audio format in \(path): \(reason) — convert it to WAV, FLAC or OGG (e.g. `sox in.xyz out.wav`)"
        case .corrupt(let path, let reason):
            return "corrupt audio file \(path): \(reason) — re-create or re-download the file"
        case .empty(let path):
            return "audio file \(path) holds no samples (zero frames) — re-create it with some audio"
        case .writeFailed(let path, let reason):
            return "cannot write audio file \(path): \(reason) — check that the directory exists, is writable and the disk has space"
        case .invalidArgument(let message):
            return "invalid audio argument: \(message)"
        }
    }

    public var errorDescription: String? { description }
}
