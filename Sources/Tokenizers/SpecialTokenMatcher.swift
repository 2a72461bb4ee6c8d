/// Finds special tokens (control and user-defined) inside UTF-8 text, longest match first.
struct SpecialTokenMatcher {
    /// Candidates by first byte, longest first.
    private var buckets: [[(bytes: [UInt8], id: Int)]] = Array(repeating: [], count: 256)
    private(set) var isEmpty = true

    init(_ tokens: [(text: String, id: Int)]) {
        for (text, id) in tokens where !text.isEmpty {
            let bytes = Array(text.utf8)
            buckets[Int(bytes[0])].append((bytes, id))
            isEmpty = false
        }
        for b in 0..<256 { buckets[b].sort { $0.bytes.count > $1.bytes.count } }
    }

    /// One stretch of input: ordinary text (a byte range) or a special token.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case special(Int)
    }

    /// Splits `bytes` into ordinary text and special tokens.
    func fragments(of bytes: UnsafeBufferPointer<UInt8>) -> [Fragment] {
        var out: [Fragment] = []
        var textStart = 0
        var i = 0
        let n = bytes.count
        while i < n {
            var matched: (length: Int, id: Int)?
            for candidate in buckets[Int(bytes[i])] where candidate.bytes.count <= n - i {
                var equal = true
                for k in 1..<candidate.bytes.count where bytes[i + k] != candidate.bytes[k] { equal = false; break }
                if equal { matched = (candidate.bytes.count, candidate.id); break }
            }
            if let m = matched {
                if textStart < i { out.append(.text(textStart..<i)) }
                out.append(.special(m.id))
                i += m.length
                textStart = i
            } else {
                i += 1
            }
        }
        if textStart < n { out.append(.text(textStart..<n)) }
        return out
    }
}
