/// The hand-written regex scanners behind `PreTokenizer`, over scalar values and their classes.
struct Scanner {
    let v: UnsafeBufferPointer<UInt32>
    let c: UnsafeBufferPointer<ScalarClass>

    private static let apostrophe: UInt32 = 0x27, space: UInt32 = 0x20

    // MARK: - Shared pieces

    /// End of a run of class `k` starting at `i`, not past `end`.
    @inline(__always)
    private func run(_ k: ScalarClass, from i: Int, to end: Int) -> Int {
        var j = i
        while j < end && c[j] == k { j += 1 }
        return j
    }

    /// End of a contraction `'s 't 're 've 'm 'll 'd` at `i`, or nil.
    private func contraction(at i: Int, to end: Int, ignoringCase: Bool) -> Int? {
        guard v[i] == Scanner.apostrophe, i + 1 < end else { return nil }
        func ch(_ k: Int) -> UInt32 {
            let x = v[k]
            return ignoringCase && x >= 0x41 && x <= 0x5A ? x + 32 : x
        }
        switch ch(i + 1) {
        case 0x73, 0x74, 0x6D, 0x64: return i + 2  // s t m d
        case 0x72, 0x76: return i + 2 < end && ch(i + 2) == 0x65 ? i + 3 : nil  // re ve
        case 0x6C: return i + 2 < end && ch(i + 2) == 0x6C ? i + 3 : nil  // ll
        default: return nil
        }
    }

    /// `\s+(?!\S)|\s+` at a white-space scalar `i`: all of the run, less its last scalar when
    /// a non-space follows and the run is longer than one.
    @inline(__always)
    private func whitespace(from i: Int, to end: Int) -> Int {
        var j = i
        while j < end && c[j].isWhitespace { j += 1 }
        return (j == end || j - i == 1) ? j : j - 1
    }

    // MARK: - GPT-2

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` over `start..<end`.
    func gpt2(from start: Int, to end: Int, into ends: inout [Int]) {
        var i = start
        while i < end {
            let j: Int
            if let k = contraction(at: i, to: end, ignoringCase: false) {
                j = k
            } else if v[i] == Scanner.space, i + 1 < end, !c[i + 1].isWhitespace {
                j = run(c[i + 1], from: i + 1, to: end)
            } else if !c[i].isWhitespace {
                j = run(c[i], from: i, to: end)
            } else {
                j = whitespace(from: i, to: end)
            }
            ends.append(j)
            i = j
        }
    }

    // MARK: - Llama 3 / Qwen2

    /// The Llama 3 regex over `start..<end`, with `\p{N}{1,maxDigits}`.
    func llama3(from start: Int, to end: Int, maxDigits: Int, into ends: inout [Int]) {
        var i = start
        while i < end {
            let k = c[i]
            var j: Int
            if let e = contraction(at: i, to: end, ignoringCase: true) {
                j = e
            } else if k == .letter {
                j = run(.letter, from: i, to: end)
            } else if k != .number && k != .newline && i + 1 < end && c[i + 1] == .letter {
                j = run(.letter, from: i + 1, to: end)
            } else if k == .number {
                j = min(run(.number, from: i, to: end), i + maxDigits)
            } else if k == .other || (v[i] == Scanner.space && i + 1 < end && c[i + 1] == .other) {
                j = run(.other, from: k == .other ? i : i + 1, to: end)
                j = run(.newline, from: j, to: end)
            } else {
                // \s*[\r\n]+ ends after the run's last newline; otherwise \s+(?!\S)|\s+.
                var e = i
                var lastNewline = -1
                while e < end && c[e].isWhitespace {
                    if c[e] == .newline { lastNewline = e }
                    e += 1
                }
                j = lastNewline >= 0 ? lastNewline + 1 : whitespace(from: i, to: end)
            }
            ends.append(j)
            i = j
        }
    }
}
