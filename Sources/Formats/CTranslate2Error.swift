import Foundation

/// Everything that can be wrong with a CTranslate2 model file or a request made of it; the
/// description says what is wrong, where, and what to do.
public enum CTranslate2Error: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or mapped.
    case io(path: String, reason: String)
    /// A binary version this reader does not read.
    case unsupportedVersion(Int)
    /// A read at `offset` of `needed` bytes would pass the end of the file (`size` bytes).
    case truncated(what: String, offset: Int, needed: Int, size: Int)
    /// A count, length, type or name that cannot be right.
    case invalid(what: String, offset: Int, reason: String)
    /// A variable whose description does not add up.
    case badVariable(name: String, reason: String)
    /// A variable a model needs is not in the file.
    case noSuchVariable(String, spec: String)

    public var description: String {
        switch self {
        case .io(let path, let reason):
            return "cannot read CTranslate2 model file \(path): \(reason)"
        case .unsupportedVersion(let v):
            return "CTranslate2 binary version \(v) is not supported (version \(CTranslate2File.supportedVersions.lowerBound) is, as written by CTranslate2 3.x and 4.x); check that the path names a CTranslate2 model.bin, or convert the model again with a recent ct2-transformers-converter"
        case .truncated(let what, let offset, let needed, let size):
            return "CTranslate2 model file is truncated: reading \(what) needs \(needed) bytes at offset \(offset), but the file has \(size) bytes; the download is probably incomplete, fetch the model again (echox model fetch …)"
        case .invalid(let what, let offset, let reason):
            return "CTranslate2 model file is malformed: \(what) at offset \(offset) \(reason); the file is corrupt, fetch the model again"
        case .badVariable(let name, let reason):
            return "CTranslate2 variable '\(name)' is malformed: \(reason); the file is corrupt or not the expected model, fetch the model again"
        case .noSuchVariable(let name, let spec):
            return "the CTranslate2 model (\(spec)) has no variable '\(name)'; the file is not a model of the expected architecture"
        }
    }
}

extension CTranslate2Error: LocalizedError {
    public var errorDescription: String? { description }
}
