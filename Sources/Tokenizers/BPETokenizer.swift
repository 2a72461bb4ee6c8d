import Foundation

/// A byte-level BPE tokenizer (GPT-2 style) with special tokens and a piece cache.
public final class BPETokenizer: @unchecked Sendable {
    /// The GGUF token types (`tokenizer.ggml.token_type`).
    public enum TokenType: Int, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    // MARK: - Vocabulary

    /// Token strings as stored (byte-level alphabet for normal tokens).
    public let tokens: [String]
    public let tokenTypes: [TokenType]
    public let bosID: Int?
    public let eosID: Int?
    public let unknownID: Int?
    public let paddingID: Int?
    /// Whether the model expects a BOS token before a prompt (`tokenizer.ggml.add_bos_token`).
    public let addsBOS: Bool
    public let preTokenizer: PreTokenizer
    /// The Jinja chat template stored with the model (`tokenizer.chat_template`), if any.
    public let chatTemplateSource: String?

    public var vocabularySize: Int { tokens.count }

    /// Raw bytes each token stands for when decoded.
    private let tokenBytes: [[UInt8]]
    private let idForText: [String: Int]
    private let merger: BPEMerger
    /// Control and user-defined tokens, and user-defined ones alone.
    private let specials: SpecialTokenMatcher
    private let userDefined: SpecialTokenMatcher

    // MARK: - Piece cache

    private var cache: [[UInt8]: [Int]] = [:]
    private let cacheLock = NSLock()
    private static let cacheLimit = 65_536

    // MARK: - Building

    /// Builds a tokenizer from token strings and `"left right"` merges (rank = index).
    /// - Parameter tokenTypes: GGUF type codes (1...6), one per token; nil means all normal.
    public init(tokens: [String], merges: [String], tokenTypes: [Int]? = nil,
                bosID: Int? = nil, eosID: Int? = nil, unknownID: Int? = nil, paddingID: Int? = nil,
                addsBOS: Bool = false, preTokenizer: PreTokenizer = .gpt2, chatTemplate: String? = nil) throws {
        guard !tokens.isEmpty else { throw TokenizerError.emptyVocabulary }
        let n = tokens.count
        if let t = tokenTypes, t.count != n {
            throw TokenizerError.lengthMismatch(key: "tokenizer.ggml.token_type", count: t.count, expected: n)
        }
        for (key, id) in [("bos_token_id", bosID), ("eos_token_id", eosID),
                          ("unknown_token_id", unknownID), ("padding_token_id", paddingID)] {
            if let id, !(0..<n).contains(id) {
                throw TokenizerError.tokenIDOutOfRange(key: "tokenizer.ggml." + key, id: id, vocabularySize: n)
            }
        }
        let types = (tokenTypes ?? Array(repeating: 1, count: n)).map { TokenType(rawValue: $0) ?? .normal }
        self.tokens = tokens
        self.tokenTypes = types
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.paddingID = paddingID
        self.addsBOS = addsBOS
        self.preTokenizer = preTokenizer
        self.chatTemplateSource = chatTemplate

        var idForText: [String: Int] = [:]
        idForText.reserveCapacity(n)
        for (i, t) in tokens.enumerated() where idForText[t] == nil { idForText[t] = i }
        self.idForText = idForText

        self.tokenBytes = zip(tokens, types).map { BPETokenizer.bytes(ofToken: $0, type: $1) }
        let byteToken = try BPETokenizer.byteTokens(idForText: idForText, unknownID: unknownID)
        let mergeTable = try BPETokenizer.mergeTable(merges, idForText: idForText)
        self.merger = BPEMerger(merges: mergeTable, byteToken: byteToken)
        func matcher(_ kinds: Set<TokenType>) -> SpecialTokenMatcher {
            SpecialTokenMatcher(zip(tokens, types).enumerated()
                .filter { kinds.contains($0.element.1) }
                .map { (text: $0.element.0, id: $0.offset) })
        }
        self.specials = matcher([.control, .userDefined])
        self.userDefined = matcher([.userDefined])
    }

    /// What a token decodes to: byte-level text for normal tokens, `<0xHH>` for byte tokens,
    /// the literal text otherwise.
    private static func bytes(ofToken text: String, type: TokenType) -> [UInt8] {
        switch type {
        case .normal:
            return ByteLevel.decode(text) ?? Array(text.utf8)
        case .byte:
            if text.utf8.count == 6, text.hasPrefix("<0x"), text.hasSuffix(">"),
               let b = UInt8(text.dropFirst(3).prefix(2), radix: 16) { return [b] }
            return ByteLevel.decode(text) ?? Array(text.utf8)
        default:
            return Array(text.utf8)
        }
    }

    /// The token for every single byte: its byte-level token, else `<0xHH>`, else unknown.
    private static func byteTokens(idForText: [String: Int], unknownID: Int?) throws -> [Int32] {
        try (0..<256).map { b -> Int32 in
            let hex = String(b, radix: 16, uppercase: true)
            let byteName = "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
            guard let id = idForText[String(ByteLevel.scalarForByte[b])] ?? idForText[byteName] ?? unknownID
            else { throw TokenizerError.unrepresentableByte(UInt8(b)) }
            return Int32(id)
        }
    }

    /// `(left, right)` token pair → `(rank, merged token)`.
    private static func mergeTable(_ merges: [String], idForText: [String: Int]) throws -> [UInt64: UInt64] {
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            // Split at the first space after the first character (a token may itself be a space).
            let utf8 = merge.utf8
            guard let first = merge.unicodeScalars.first,
                  let cut = utf8.dropFirst(UTF8.width(first)).firstIndex(of: 0x20),
                  utf8.index(after: cut) != utf8.endIndex else {
                throw TokenizerError.badMerge(index: rank, text: merge, reason: "expected two tokens separated by a space")
            }
            let left = String(merge[..<cut])
            let right = String(merge[utf8.index(after: cut)...])
            guard let l = idForText[left], let r = idForText[right] else {
                throw TokenizerError.badMerge(index: rank, text: merge, reason: "a side is not in the vocabulary")
            }
            guard let m = idForText[left + right] else {
                throw TokenizerError.badMerge(index: rank, text: merge, reason: "the merged token is not in the vocabulary")
            }
            let key = BPEMerger.pairKey(Int32(l), Int32(r))
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(m) }
        }
        return table
    }

    // MARK: - Lookup

    /// The id of a token string, if in the vocabulary.
    public func id(of token: String) -> Int? { idForText[token] }

    /// The bytes a token decodes to (empty for an out-of-range id).
    public func bytes(of id: Int) -> [UInt8] { tokenBytes.indices.contains(id) ? tokenBytes[id] : [] }

    /// Whether a token is a control token (not text; skipped by `decode(_:skipSpecial: true)`).
    public func isControl(_ id: Int) -> Bool { tokenTypes.indices.contains(id) && tokenTypes[id] == .control }

    /// Tokens that end a generated turn: EOS plus `<|im_end|>`, `<|eot_id|>`, `<|eom_id|>`,
    /// `<|endoftext|>` when present.
    public var stopTokenIDs: Set<Int> {
        var ids = Set(["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|endoftext|>"].compactMap { id(of: $0) })
        if let eosID { ids.insert(eosID) }
        return ids
    }

    // MARK: - Encoding

    /// The token ids of `text`. The text of a control token (`<|im_start|>`) becomes that token only
    /// with `allowSpecial`; user-defined tokens are always recognised (as llama.cpp does).
    /// - Parameter addBOS: prepend the BOS token (callers pass `addsBOS` when the model wants it).
    public func encode(_ text: String, allowSpecial: Bool = true, addBOS: Bool = false) -> [Int] {
        var out: [Int] = []
        if addBOS, let bosID { out.append(bosID) }
        let bytes = Array(text.utf8)
        let matcher = allowSpecial ? specials : userDefined
        bytes.withUnsafeBufferPointer { buf in
            let fragments: [SpecialTokenMatcher.Fragment] =
                matcher.isEmpty ? [.text(0..<buf.count)] : matcher.fragments(of: buf)
            for fragment in fragments {
                switch fragment {
                case .special(let id): out.append(id)
                case .text(let range): encodeText(UnsafeBufferPointer(rebasing: buf[range]), into: &out)
                }
            }
        }
        return out
    }

    /// Pre-tokenizes ordinary UTF-8 text and runs BPE on each piece.
    private func encodeText(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [Int]) {
        let decoded = UTF8Scalars(bytes)
        var ends: [Int] = []
        ends.reserveCapacity(decoded.values.count / 3 + 1)
        decoded.values.withUnsafeBufferPointer { preTokenizer.split($0, into: &ends) }
        var start = 0
        for end in ends {
            let range = decoded.offsets[start]..<decoded.offsets[end]
            encodePiece(UnsafeBufferPointer(rebasing: bytes[range]), into: &out)
            start = end
        }
    }

    /// BPE on one piece, through the cache.
    private func encodePiece(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [Int]) {
        if piece.count <= 1 { merger.encode(piece, into: &out); return }
        let key = Array(piece)
        cacheLock.lock()
        let hit = cache[key]
        cacheLock.unlock()
        if let hit { out.append(contentsOf: hit); return }
        var ids: [Int] = []
        merger.encode(piece, into: &ids)
        out.append(contentsOf: ids)
        cacheLock.lock()
        if cache.count >= BPETokenizer.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[key] = ids
        cacheLock.unlock()
    }

    /// Empties the piece cache (encoding results do not change).
    public func clearCache() {
        cacheLock.lock()
        cache.removeAll()
        cacheLock.unlock()
    }

    // MARK: - Decoding

    /// The text of `ids`: bytes are joined first, so characters split across tokens come out whole.
    /// Invalid UTF-8 and out-of-range ids decode to U+FFFD.
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        String(decoding: decodeBytes(ids, skipSpecial: skipSpecial), as: UTF8.self)
    }

    /// The raw bytes of `ids` (out-of-range ids give the UTF-8 of U+FFFD).
    public func decodeBytes(_ ids: [Int], skipSpecial: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        for id in ids {
            guard tokenBytes.indices.contains(id) else { out.append(contentsOf: [0xEF, 0xBF, 0xBD]); continue }
            if skipSpecial && tokenTypes[id] == .control { continue }
            out.append(contentsOf: tokenBytes[id])
        }
        return out
    }
}

// MARK: - UTF-8 to scalars with byte offsets

/// The scalar values of valid UTF-8 and the byte offset of each (plus the end).
struct UTF8Scalars {
    var values: [UInt32] = []
    var offsets: [Int] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        values.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = UInt32(bytes[i])
            var v: UInt32, len: Int
            if b < 0x80 { v = b; len = 1 }
            else if b >> 5 == 0x6 { v = b & 0x1F; len = 2 }
            else if b >> 4 == 0xE { v = b & 0x0F; len = 3 }
            else { v = b & 0x07; len = 4 }
            len = min(len, n - i)
            for k in 1..<max(len, 1) { v = v << 6 | (UInt32(bytes[i + k]) & 0x3F) }
            values.append(v)
            offsets.append(i)
            i += len
        }
        offsets.append(n)
    }
}
