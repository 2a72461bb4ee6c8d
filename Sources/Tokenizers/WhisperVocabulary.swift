import Foundation

/// Whisper's byte-level BPE vocabulary, read from a CTranslate2 model folder's `vocabulary.txt`
/// (line i is token i, in GPT-2's byte-level alphabet), for turning generated ids back into text.
/// Special tokens (`<|endoftext|>`, `<|en|>`, timestamps `<|0.00|>`…) are the ids from `<|endoftext|>` on.
public struct WhisperVocabulary: Sendable {
    public let tokens: [String]
    private let index: [String: Int]
    /// `<|endoftext|>`: the first special token.
    public let endOfText: Int

    public init(tokens: [String]) throws {
        var index: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where index[t] == nil { index[t] = i }
        guard let eot = index["<|endoftext|>"] else {
            throw WhisperVocabularyError("the Whisper vocabulary has no <|endoftext|> token; check that vocabulary.txt is the model's")
        }
        self.tokens = tokens
        self.index = index
        endOfText = eot
    }

    /// Reads `vocabulary.txt` (one token per line).
    public init(url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw WhisperVocabularyError("cannot read \(url.path): \(error.localizedDescription); fetch the model again")
        }
        var lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines)
    }

    public var count: Int { tokens.count }

    /// The id of a token string (e.g. "<|notimestamps|>").
    public func id(of token: String) -> Int? { index[token] }

    /// Whether `id` is a special token (not text).
    public func isSpecial(_ id: Int) -> Bool { id >= endOfText }

    /// The UTF-8 text of the ordinary tokens among `ids` (special tokens are left out; byte
    /// sequences that are not valid UTF-8 become U+FFFD).
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokens.count && !isSpecial(id) {
            bytes += ByteLevel.decode(tokens[id]) ?? Array(tokens[id].utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

public struct WhisperVocabularyError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
