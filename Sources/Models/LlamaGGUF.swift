import Foundation
import Formats
import NN
import Tensor

// MARK: - Errors

/// What can be wrong when building a Llama model from a GGUF file.
public enum LlamaError: Error, CustomStringConvertible, Equatable {
    /// `general.architecture` names a model family this loader does not build.
    case unsupportedArchitecture(String)
    /// A hyperparameter is missing or inconsistent.
    case badConfig(String)
    /// A weight has a shape other than the config implies.
    case badTensorShape(name: String, expected: [Int], found: [Int])
    /// A token id outside the vocabulary.
    case tokenOutOfRange(id: Int, vocabularySize: Int)
    /// More positions than the KV cache holds.
    case contextFull(needed: Int, capacity: Int)
    /// An input of the wrong size.
    case badInput(String)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let name):
            return "unsupported model architecture '\(name)': only \(LlamaTensorTable.architectures.joined(separator: ", ")) GGUF models can be loaded"
        case .badConfig(let reason):
            return "the model's hyperparameters are not usable: \(reason); check that the file is a complete Llama GGUF model"
        case .badTensorShape(let name, let expected, let found):
            return "tensor \(name) has shape \(found) but the model's metadata implies \(expected); the file is inconsistent"
        case .tokenOutOfRange(let id, let v):
            return "token id \(id) is outside the vocabulary (0..<\(v))"
        case .contextFull(let needed, let capacity):
            return "the conversation needs \(needed) positions but the KV cache holds \(capacity); start a new conversation or raise the context capacity"
        case .badInput(let reason):
            return reason
        }
    }
}

// MARK: - Config from metadata

extension LlamaConfig {
    /// The config of a Llama GGUF file, from `<arch>.*` metadata; `tiedEmbeddings` when the file has
    /// no `output.weight`.
    public init(gguf file: GGUFFile) throws {
        let meta = file.metadata
        let arch = meta.string("general.architecture") ?? "llama"
        guard LlamaTensorTable.architectures.contains(arch) else { throw LlamaError.unsupportedArchitecture(arch) }
        func int(_ key: String) throws -> Int {
            guard let v = meta.int("\(arch).\(key)") else { throw LlamaError.badConfig("metadata key \(arch).\(key) is missing") }
            guard v > 0 else { throw LlamaError.badConfig("\(arch).\(key) is \(v)") }
            return v
        }
        let dim = try int("embedding_length"), heads = try int("attention.head_count")
        let kvHeads = meta.int("\(arch).attention.head_count_kv") ?? heads
        let embedding = try file.requireTensor(LlamaTensorTable.tokenEmbedding)
        let vocab = meta.int("\(arch).vocab_size") ?? meta.strings("tokenizer.ggml.tokens")?.count ?? embedding.rows
        self.init(vocabSize: vocab, dim: dim, layers: try int("block_count"), heads: heads, kvHeads: kvHeads,
                  ffnDim: try int("feed_forward_length"),
                  ropeBase: meta.float("\(arch).rope.freq_base") ?? 10_000, ropeLayout: LlamaTensorTable.ropeLayout(arch),
                  normEps: meta.float("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5,
                  tiedEmbeddings: file.tensor(named: LlamaTensorTable.output) == nil,
                  contextLength: meta.int("\(arch).context_length") ?? 2048,
                  attentionBias: file.tensor(named: "blk.0.attn_q.bias") != nil)
        try validate()
        // Every block has its own tensors, so a count beyond them is wrong (and must not size anything).
        let perBlock = LlamaTensorTable.blockEntries(self).count
        guard layers <= file.tensors.count / perBlock else {
            throw LlamaError.badConfig("\(arch).block_count is \(layers), but the file holds \(file.tensors.count) tensors, enough for at most \(file.tensors.count / perBlock) blocks of \(perBlock)")
        }
        if let info = file.tensor(named: LlamaTensorTable.ropeFrequencies) {
            let factors = try file.floats(of: LlamaTensorTable.tensor(file, info.name, shape: [headDim / 2]))
            guard factors.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw LlamaError.badConfig("\(info.name) holds a factor that is not a positive number")
            }
            ropeFrequencyFactors = factors
        }
        // Linear position scaling divides every frequency by the factor (as llama.cpp's freq_scale does).
        let scaling = meta.string("\(arch).rope.scaling.type") ?? "linear"
        guard scaling == "linear" || scaling == "none" else {
            throw LlamaError.badConfig("rotary scaling '\(scaling)' is not supported (linear scaling and rope_freqs factors are)")
        }
        if let factor = meta.float("\(arch).rope.scaling.factor") ?? meta.float("\(arch).rope.scale_linear"), factor != 0, factor != 1 {
            guard factor.isFinite && factor > 0 else { throw LlamaError.badConfig("\(arch).rope.scaling.factor is \(factor)") }
            ropeFrequencyFactors = (ropeFrequencyFactors ?? Array(repeating: 1, count: headDim / 2)).map { $0 * factor }
        }
        if let rotary = meta.int("\(arch).rope.dimension_count"), rotary != headDim {
            throw LlamaError.badConfig("rotary dimension \(rotary) differs from the head size \(headDim) (partial rotary embeddings are not supported)")
        }
        guard embedding.rows == vocab, embedding.cols == dim else {
            throw LlamaError.badTensorShape(name: embedding.name, expected: [vocab, dim], found: embedding.shape)
        }
    }
}

// MARK: - Tensor names

/// The table from GGUF tensor names to `LlamaModel` parameter paths, with each weight's
/// row-major shape [out, in].
public enum LlamaTensorTable {
    /// `general.architecture` values with this layout: Llama, and Qwen2 (biases on the query, key and
    /// value projections, rotary pairs (i, i + D/2)).
    public static let architectures = ["llama", "qwen2"]

    /// Which elements the rotary embedding pairs in an architecture's files (llama.cpp rotates Llama's
    /// permuted query and key rows in adjacent pairs, Qwen2's in halves).
    static func ropeLayout(_ architecture: String) -> RoPE.Layout { architecture == "qwen2" ? .halfSplit : .interleaved }
    public static let tokenEmbedding = "token_embd.weight"
    public static let outputNorm = "output_norm.weight"
    public static let output = "output.weight"
    /// Optional divisors of the rotary frequencies, one per pair (Llama 3.1 and later).
    public static let ropeFrequencies = "rope_freqs.weight"

    /// Per-block GGUF suffix → (parameter path inside `layers.N`, shape).
    static func blockEntries(_ c: LlamaConfig) -> [(gguf: String, path: String, shape: [Int])] {
        let q = c.heads * c.headDim, kv = c.kvHeads * c.headDim
        return [
            ("attn_norm.weight", "attentionNorm.weight", [c.dim]),
            ("attn_q.weight", "attention.wq.weight", [q, c.dim]),
            ("attn_k.weight", "attention.wk.weight", [kv, c.dim]),
            ("attn_v.weight", "attention.wv.weight", [kv, c.dim]),
            ("attn_output.weight", "attention.wo.weight", [c.dim, q]),
        ] + (c.attentionBias ? [
            ("attn_q.bias", "attention.wq.bias", [q]),
            ("attn_k.bias", "attention.wk.bias", [kv]),
            ("attn_v.bias", "attention.wv.bias", [kv]),
        ] : []) + [
            ("ffn_norm.weight", "mlpNorm.weight", [c.dim]),
            ("ffn_gate.weight", "mlp.gate.weight", [c.ffnDim, c.dim]),
            ("ffn_up.weight", "mlp.up.weight", [c.ffnDim, c.dim]),
            ("ffn_down.weight", "mlp.down.weight", [c.dim, c.ffnDim]),
        ]
    }

    /// Every (GGUF name, parameter path, shape) of a model with `config`.
    public static func entries(_ config: LlamaConfig) -> [(gguf: String, path: String, shape: [Int])] {
        var out: [(gguf: String, path: String, shape: [Int])] = [(tokenEmbedding, "embedding.weight", [config.vocabSize, config.dim])]
        for i in 0..<config.layers {
            out += blockEntries(config).map { ("blk.\(i).\($0.gguf)", "layers.\(i).\($0.path)", $0.shape) }
        }
        out.append((outputNorm, "norm.weight", [config.dim]))
        if !config.tiedEmbeddings { out.append((output, "output.weight", [config.vocabSize, config.dim])) }
        return out
    }

    /// The description of `name` in `file`, checked against `shape`.
    static func tensor(_ file: GGUFFile, _ name: String, shape: [Int]) throws -> GGUFTensorInfo {
        let info = try file.requireTensor(name)
        let found = info.shape.count == 1 ? [info.cols] : [info.rows, info.cols]
        guard found == shape else { throw LlamaError.badTensorShape(name: name, expected: shape, found: info.shape) }
        return info
    }
}

// MARK: - Training model from GGUF

extension LlamaModel {
    /// The trainable model with the file's weights dequantised to float32 and frozen
    /// (add LoRA adapters with `addLoRA(rank:alpha:on:seed:)` to train).
    public static func load(gguf file: GGUFFile) throws -> LlamaModel {
        let config = try LlamaConfig(gguf: file)
        // Every tensor is checked before the model is built, so no size from the metadata allocates
        // memory that the file's own tensors do not account for.
        let entries = try LlamaTensorTable.entries(config).map { ($0, try LlamaTensorTable.tensor(file, $0.gguf, shape: $0.shape)) }
        let model = LlamaModel(config)
        var parameters: [String: Tensor] = [:]
        for (entry, info) in entries {
            let values = try file.floats(of: info)
            let t = Tensor.empty(entry.shape)
            values.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress!, count: values.count) }
            parameters[entry.path] = t
        }
        try model.load(parameters: parameters)
        model.freeze()
        model.eval()
        return model
    }
}
