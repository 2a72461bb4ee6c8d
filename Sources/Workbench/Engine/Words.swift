import Foundation

/// Splits a command line into words: whitespace separates, '…' and "…" quote, \ escapes.
public enum Words {
    /// The words of `line`; throws on an unclosed quote.
    public static func split(_ line: String) throws -> [String] {
        let (words, open) = scan(line)
        if open { throw WorkbenchError.invalidArgument("unclosed quote in: \(line)") }
        return words
    }

    /// Words of a partial line for completion; the last word is "" when the line ends in a space.
    public static func splitForCompletion(_ line: String) -> [String] {
        var (words, open) = scan(line)
        let endsInSpace = line.last.map { $0 == " " || $0 == "\t" } ?? true
        if !open && endsInSpace { words.append("") }
        return words
    }

    /// Quotes a word when it needs it, so that `split` gives it back.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty && !word.contains(where: { " \t'\"\\".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func scan(_ line: String) -> ([String], Bool) {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in line {
            if escaped { current.append(ch); escaped = false; inWord = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case "\\": escaped = true; inWord = true
            case "'", "\"": quote = ch; inWord = true
            case " ", "\t", "\n", "\r":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(ch); inWord = true
            }
        }
        if inWord || quote != nil { words.append(current) }
        return (words, quote != nil)
    }
}
