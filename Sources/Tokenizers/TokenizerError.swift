/// Why a tokenizer could not be built or used.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case missingMetadata(key: String)
    case wrongMetadataType(key: String, expected: String)
    case unsupportedModel(String)
    case unsupportedPreTokenizer(String)
    case lengthMismatch(key: String, count: Int, expected: Int)
    case tokenIDOutOfRange(key: String, id: Int, vocabularySize: Int)
    case badMerge(index: Int, text: String, reason: String)
    case unrepresentableByte(UInt8)
    case emptyVocabulary

    public var description: String {
        switch self {
        case .missingMetadata(let key):
            return "tokenizer metadata '\(key)' is missing; the model file does not describe its tokenizer (re-convert it with tokenizer data)"
        case .wrongMetadataType(let key, let expected):
            return "tokenizer metadata '\(key)' has the wrong type: expected \(expected)"
        case .unsupportedModel(let name):
            return "tokenizer model type '\(name)' is not supported; only 'gpt2' (byte-level BPE) is implemented"
        case .unsupportedPreTokenizer(let name):
            return "pre-tokenizer '\(name)' is not supported; known: \(PreTokenizer.knownNames.joined(separator: ", "))"
        case .lengthMismatch(let key, let count, let expected):
            return "tokenizer metadata '\(key)' has \(count) entries but the vocabulary has \(expected)"
        case .tokenIDOutOfRange(let key, let id, let size):
            return "tokenizer metadata '\(key)' = \(id) is outside the vocabulary (size \(size))"
        case .badMerge(let index, let text, let reason):
            return "BPE merge #\(index) '\(text)' is invalid: \(reason)"
        case .unrepresentableByte(let byte):
            return "byte 0x\(String(byte, radix: 16)) has no token (no byte-level token, no <0x..> token, no unknown token); the vocabulary is incomplete"
        case .emptyVocabulary:
            return "the tokenizer vocabulary is empty"
        }
    }
}
