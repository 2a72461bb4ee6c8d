import Formats
@testable import Tokenizers

/// A small hand-made byte-level vocabulary: the 256 byte tokens, a few merges, special tokens.
enum TinyVocabulary {
    static let byteTokens = (0..<256).map { String(ByteLevel.scalarForByte[$0]) }
    static let merges = ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld", "b c", "a b", "1 2"]
    static let mergedTokens = ["he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "ld", "Ġworld", "bc", "ab", "12"]
    static let specialTokens = ["<|im_start|>", "<|im_end|>", "<|x|>", "<|x|>y", "[tool]"]

    static var tokens: [String] { byteTokens + mergedTokens + specialTokens }
    static var types: [Int] {
        Array(repeating: 1, count: 256 + mergedTokens.count) + [3, 3, 3, 3, 4]
    }

    static func id(_ token: String) -> Int { tokens.firstIndex(of: token)! }

    static func tokenizer(pre: PreTokenizer = .gpt2, merges: [String] = merges) throws -> BPETokenizer {
        try BPETokenizer(tokens: tokens, merges: merges, tokenTypes: types,
                         bosID: id("<|im_start|>"), eosID: id("<|im_end|>"), preTokenizer: pre)
    }

    /// The same vocabulary as GGUF metadata.
    static var metadata: [String: GGUFValue] {
        [
            "tokenizer.ggml.model": .string("gpt2"),
            "tokenizer.ggml.pre": .string("gpt2"),
            "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }),
            "tokenizer.ggml.merges": .array(merges.map { .string($0) }),
            "tokenizer.ggml.token_type": .array(types.map { .int32(Int32($0)) }),
            "tokenizer.ggml.bos_token_id": .uint32(UInt32(id("<|im_start|>"))),
            "tokenizer.ggml.eos_token_id": .uint32(UInt32(id("<|im_end|>"))),
            "tokenizer.ggml.add_bos_token": .bool(true),
            "tokenizer.chat_template": .string("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"),
        ]
    }
}
