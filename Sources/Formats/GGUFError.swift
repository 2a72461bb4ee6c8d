import Foundation

/// Everything that can be wrong with a GGUF file or a request made of it; the description says
/// what is wrong, where, and what to do.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or mapped.
    case io(path: String, reason: String)
    /// The first four bytes are not "GGUF".
    case badMagic(found: UInt32)
    /// A version this reader does not read (it reads 2 and 3).
    case unsupportedVersion(Int)
    /// A read at `offset` of `needed` bytes would pass the end of the file (`size` bytes).
    case truncated(what: String, offset: Int, needed: Int, size: Int)
    /// A count, length, type or offset that cannot be right.
    case invalid(what: String, offset: Int, reason: String)
    /// A tensor's description or data does not fit the file.
    case badTensor(name: String, reason: String)
    /// A tensor type id this reader does not know.
    case unknownType(id: UInt32, tensor: String)
    /// A known tensor type without a dequantiser here.
    case unsupportedType(GGMLType, tensor: String)
    /// A request about a tensor that the file does not have.
    case noSuchTensor(String)
    /// A metadata key that a caller needs is absent or has another type.
    case missingMetadata(key: String, expected: String)
    /// Values that cannot be written (wrong count, shape or type).
    case cannotWrite(String)
    /// Memory for a model's weights could not be had.
    case outOfMemory(bytes: Int)

    public var description: String {
        switch self {
        case .io(let path, let reason):
            return "cannot read GGUF file \(path): \(reason)"
        case .badMagic(let found):
            return "not a GGUF file: the first four bytes are 0x\(String(found, radix: 16)) instead of \"GGUF\"; check that the path names a .gguf model file"
        case .unsupportedVersion(let v):
            return "GGUF version \(v) is not supported (versions 2 and 3 are); convert the model with a recent llama.cpp or gguf-py"
        case .truncated(let what, let offset, let needed, let size):
            return "GGUF file is truncated: reading \(what) needs \(needed) bytes at offset \(offset), but the file has \(size) bytes; the download is probably incomplete, fetch the file again"
        case .invalid(let what, let offset, let reason):
            return "GGUF file is malformed: \(what) at offset \(offset) \(reason); the file is corrupt, fetch it again"
        case .badTensor(let name, let reason):
            return "GGUF tensor '\(name)' is malformed: \(reason); the file is corrupt, fetch it again"
        case .unknownType(let id, let tensor):
            return "GGUF tensor '\(tensor)' has type id \(id), which this reader does not know; re-quantise the model to Q8_0, Q4_1 or F16"
        case .unsupportedType(let type, let tensor):
            return "GGUF tensor '\(tensor)' has type \(type) (id \(type.rawValue)), which cannot be dequantised here (supported: \(GGMLType.dequantisable.map { "\($0)" }.joined(separator: ", "))); re-quantise the model to one of those"
        case .noSuchTensor(let name):
            return "the GGUF file has no tensor named '\(name)'; list the file's tensors to see what it holds"
        case .missingMetadata(let key, let expected):
            return "GGUF metadata key '\(key)' is missing or is not \(expected); the file is not a model of the expected architecture"
        case .cannotWrite(let reason):
            return "cannot write GGUF file: \(reason)"
        case .outOfMemory(let bytes):
            return "cannot get \(bytes) bytes of memory for the model's weights; close other programs or use a smaller or more quantised model"
        }
    }
}

extension GGUFError: LocalizedError {
    public var errorDescription: String? { description }
}
