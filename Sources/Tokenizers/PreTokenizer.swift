/// Splits text into the pieces BPE runs on, following a model family's split regex.
///
/// Each style is a hand-written scanner equivalent to the regex named in its doc comment
/// (leftmost alternative wins, greedy runs, `(?!\S)` look-ahead limited to the fragment).
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Every `\p{N}` on its own, then `gpt2` on the text between (SmolLM, StarCoder).
    case digitsThenGPT2
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// As `llama3` with `\p{N}` single digits (Qwen2).
    case qwen2

    // MARK: - Names used by `tokenizer.ggml.pre`

    private static let table: [String: PreTokenizer] = [
        "default": .gpt2, "gpt2": .gpt2, "gpt-2": .gpt2, "mpt": .gpt2, "olmo": .gpt2, "jais": .gpt2,
        "smollm": .digitsThenGPT2, "starcoder": .digitsThenGPT2, "refact": .digitsThenGPT2,
        "command-r": .digitsThenGPT2, "codeshell": .digitsThenGPT2, "exaone": .digitsThenGPT2,
        "minerva-7b": .digitsThenGPT2,
        "llama-bpe": .llama3, "llama3": .llama3, "llama-v3": .llama3, "smaug-bpe": .llama3, "dbrx": .llama3,
        "qwen2": .qwen2, "qwen2.5": .qwen2, "qwen-2.5": .qwen2, "stablelm2": .qwen2, "deepseek-r1-qwen": .qwen2,
    ]

    /// Every accepted `tokenizer.ggml.pre` value, sorted.
    public static var knownNames: [String] { table.keys.sorted() }

    /// The style for a `tokenizer.ggml.pre` value; nil (absent) means `gpt2`.
    public static func named(_ name: String?) throws -> PreTokenizer {
        guard let name else { return .gpt2 }
        guard let style = table[name.lowercased()] else { throw TokenizerError.unsupportedPreTokenizer(name) }
        return style
    }

    // MARK: - Splitting

    /// The pieces of `text`, in order; concatenated they give `text` back.
    public func split(_ text: String) -> [String] {
        let scalars = text.unicodeScalars.map(\.value)
        var ends: [Int] = []
        scalars.withUnsafeBufferPointer { split($0, into: &ends) }
        var pieces: [String] = []
        var start = 0
        for end in ends {
            var view = String.UnicodeScalarView()
            for v in scalars[start..<end] { view.append(Unicode.Scalar(v)!) }
            pieces.append(String(view))
            start = end
        }
        return pieces
    }

    /// Appends the end index (exclusive) of every piece of `scalars` to `ends`.
    func split(_ scalars: UnsafeBufferPointer<UInt32>, into ends: inout [Int]) {
        let count = scalars.count
        guard count > 0 else { return }
        var classes = [ScalarClass](repeating: .other, count: count)
        for i in 0..<count { classes[i] = ScalarClass.of(scalars[i]) }
        classes.withUnsafeBufferPointer { cls in
            let scanner = Scanner(v: scalars, c: cls)
            switch self {
            case .gpt2:
                scanner.gpt2(from: 0, to: count, into: &ends)
            case .llama3:
                scanner.llama3(from: 0, to: count, maxDigits: 3, into: &ends)
            case .qwen2:
                scanner.llama3(from: 0, to: count, maxDigits: 1, into: &ends)
            case .digitsThenGPT2:
                var i = 0
                while i < count {
                    if cls[i] == .number { i += 1; ends.append(i); continue }
                    var j = i
                    while j < count && cls[j] != .number { j += 1 }
                    scanner.gpt2(from: i, to: j, into: &ends)
                    i = j
                }
            }
        }
    }
}
