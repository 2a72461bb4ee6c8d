import Formats

// MARK: - Building from GGUF metadata

extension BPETokenizer {
    /// Builds the tokenizer described by a GGUF file's `tokenizer.*` metadata.
    public convenience init(metadata: [String: GGUFValue]) throws {
        func value(_ key: String) throws -> GGUFValue {
            guard let v = metadata[key] else { throw TokenizerError.missingMetadata(key: key) }
            return v
        }
        func optionalID(_ key: String) throws -> Int? {
            guard let v = metadata[key] else { return nil }
            guard let id = v.int else { throw TokenizerError.wrongMetadataType(key: key, expected: "an integer") }
            return id
        }
        func stringArray(_ key: String) throws -> [String] {
            guard let array = try value(key).array else {
                throw TokenizerError.wrongMetadataType(key: key, expected: "an array of strings")
            }
            let strings = array.compactMap(\.string)
            guard strings.count == array.count else {
                throw TokenizerError.wrongMetadataType(key: key, expected: "an array of strings")
            }
            return strings
        }

        guard let model = try value("tokenizer.ggml.model").string else {
            throw TokenizerError.wrongMetadataType(key: "tokenizer.ggml.model", expected: "a string")
        }
        guard model == "gpt2" else { throw TokenizerError.unsupportedModel(model) }

        let tokens = try stringArray("tokenizer.ggml.tokens")
        let merges = try stringArray("tokenizer.ggml.merges")
        var types: [Int]? = nil
        if let raw = metadata["tokenizer.ggml.token_type"] {
            guard let array = raw.array, let ints = raw.ints, ints.count == array.count else {
                throw TokenizerError.wrongMetadataType(key: "tokenizer.ggml.token_type", expected: "an array of integers")
            }
            types = ints
        }
        var addsBOS = false
        if let raw = metadata["tokenizer.ggml.add_bos_token"] {
            guard let b = raw.bool else {
                throw TokenizerError.wrongMetadataType(key: "tokenizer.ggml.add_bos_token", expected: "a bool")
            }
            addsBOS = b
        }
        var pre: String? = nil
        if let raw = metadata["tokenizer.ggml.pre"] {
            guard let s = raw.string else {
                throw TokenizerError.wrongMetadataType(key: "tokenizer.ggml.pre", expected: "a string")
            }
            pre = s
        }
        try self.init(tokens: tokens, merges: merges, tokenTypes: types,
                      bosID: try optionalID("tokenizer.ggml.bos_token_id"),
                      eosID: try optionalID("tokenizer.ggml.eos_token_id"),
                      unknownID: try optionalID("tokenizer.ggml.unknown_token_id"),
                      paddingID: try optionalID("tokenizer.ggml.padding_token_id"),
                      addsBOS: addsBOS, preTokenizer: try PreTokenizer.named(pre),
                      chatTemplate: metadata["tokenizer.chat_template"]?.string)
    }
}
