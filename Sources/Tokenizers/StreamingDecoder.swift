/// Turns tokens into text as they arrive, holding back bytes until a UTF-8 character is complete.
public struct StreamingDecoder {
    public let tokenizer: BPETokenizer
    public let skipSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer, skipSpecial: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// The text completed by `id` (may be empty while a character is still partial).
    public mutating func append(_ id: Int) -> String {
        pending.append(contentsOf: tokenizer.decodeBytes([id], skipSpecial: skipSpecial))
        let cut = StreamingDecoder.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is still held back (invalid leftovers decode to U+FFFD); resets the decoder.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the prefix of `bytes` that does not end inside a possibly-valid UTF-8 sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Look back at most 3 bytes for the lead byte of the last sequence.
        var i = n - 1
        while i >= 0 && i >= n - 4 {
            let b = bytes[i]
            if b & 0xC0 != 0x80 {  // ASCII or lead byte
                let needed = b < 0x80 ? 1 : b >> 5 == 0x6 ? 2 : b >> 4 == 0xE ? 3 : b >> 3 == 0x1E ? 4 : 1
                return n - i < needed ? i : n
            }
            i -= 1
        }
        return n
    }
}
