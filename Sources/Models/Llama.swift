import Foundation
import NN
import Tensor

/// Shape of a Llama-style decoder. Coding keys are the GGUF metadata names (without the
/// `llama.` prefix) so that configs read straight from model files.
public struct LlamaConfig: Codable, Equatable, Sendable {
    public var vocabSize: Int
    public var dim: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var ffnDim: Int
    public var ropeBase: Float = 10_000
    public var ropeLayout: RoPE.Layout = .interleaved
    public var normEps: Float = 1e-5
    public var tiedEmbeddings = false
    public var contextLength = 2048
    /// Biases on the query, key and value projections (Qwen2).
    public var attentionBias = false
    /// Per rotary pair, a divisor of its frequency (Llama 3's long-context scaling; nil: none).
    public var ropeFrequencyFactors: [Float]?
    /// Residual dropout after attention and after the MLP while training (0: none; never in GGUF files).
    public var dropout: Float = 0

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", dim = "embedding_length", layers = "block_count"
        case heads = "attention.head_count", kvHeads = "attention.head_count_kv"
        case ffnDim = "feed_forward_length", ropeBase = "rope.freq_base", ropeLayout = "rope.layout"
        case normEps = "attention.layer_norm_rms_epsilon", tiedEmbeddings = "tied_embeddings"
        case contextLength = "context_length", attentionBias = "attention.bias", ropeFrequencyFactors = "rope.freq_factors"
        case dropout
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(vocabSize: try c.decode(Int.self, forKey: .vocabSize), dim: try c.decode(Int.self, forKey: .dim),
                  layers: try c.decode(Int.self, forKey: .layers), heads: try c.decode(Int.self, forKey: .heads),
                  kvHeads: try c.decode(Int.self, forKey: .kvHeads), ffnDim: try c.decode(Int.self, forKey: .ffnDim),
                  ropeBase: try c.decode(Float.self, forKey: .ropeBase), ropeLayout: try c.decode(RoPE.Layout.self, forKey: .ropeLayout),
                  normEps: try c.decode(Float.self, forKey: .normEps), tiedEmbeddings: try c.decode(Bool.self, forKey: .tiedEmbeddings),
                  contextLength: try c.decode(Int.self, forKey: .contextLength),
                  // Absent from configs written before it existed.
                  attentionBias: try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? false,
                  ropeFrequencyFactors: try c.decodeIfPresent([Float].self, forKey: .ropeFrequencyFactors))
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
        do { try validate() } catch LlamaError.badConfig(let reason) {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath,
                                                    debugDescription: "\(reason) — correct the saved model config or write it again"))
        }
    }

    /// Throws `LlamaError.badConfig` unless the sizes can make a model: each at least 1, the width a
    /// whole number of heads of even size, the heads a whole number of key/value groups, a positive
    /// rotary base and norm epsilon, and one positive rotary factor per pair when there are factors.
    public func validate() throws {
        let sizes = [("vocab_size", vocabSize), ("embedding_length", dim), ("block_count", layers), ("attention.head_count", heads),
                     ("attention.head_count_kv", kvHeads), ("feed_forward_length", ffnDim), ("context_length", contextLength)]
        for (key, value) in sizes where value < 1 {
            throw LlamaError.badConfig("\(key) is \(value), but it must be at least 1")
        }
        guard dim % heads == 0, heads % kvHeads == 0, headDim % 2 == 0 else {
            throw LlamaError.badConfig("width \(dim), \(heads) heads and \(kvHeads) key/value heads do not divide evenly into even-sized heads")
        }
        guard ropeBase.isFinite, ropeBase > 0 else { throw LlamaError.badConfig("rope.freq_base is \(ropeBase), not a positive number") }
        guard normEps.isFinite, normEps >= 0 else { throw LlamaError.badConfig("the norm epsilon is \(normEps), not a number ≥ 0") }
        guard dropout >= 0 && dropout < 1 else { throw LlamaError.badConfig("dropout is \(dropout), but it must be in [0, 1)") }
        if let factors = ropeFrequencyFactors, factors.count != headDim / 2 || !factors.allSatisfy({ $0.isFinite && $0 > 0 }) {
            throw LlamaError.badConfig("need \(headDim / 2) positive rotary frequency factors (one per pair), found \(factors.count)")
        }
    }

    public init(vocabSize: Int, dim: Int, layers: Int, heads: Int, kvHeads: Int, ffnDim: Int,
                ropeBase: Float = 10_000, ropeLayout: RoPE.Layout = .interleaved, normEps: Float = 1e-5,
                tiedEmbeddings: Bool = false, contextLength: Int = 2048, attentionBias: Bool = false,
                ropeFrequencyFactors: [Float]? = nil) {
        self.vocabSize = vocabSize; self.dim = dim; self.layers = layers
        self.heads = heads; self.kvHeads = kvHeads; self.ffnDim = ffnDim
        self.ropeBase = ropeBase; self.ropeLayout = ropeLayout; self.normEps = normEps
        self.tiedEmbeddings = tiedEmbeddings; self.contextLength = contextLength; self.attentionBias = attentionBias
        self.ropeFrequencyFactors = ropeFrequencyFactors
    }

    public var headDim: Int { dim / heads }

    /// A small model for tests and demos (trains in seconds on 2 cores).
    public static func tiny(vocabSize: Int) -> LlamaConfig {
        LlamaConfig(vocabSize: vocabSize, dim: 64, layers: 2, heads: 4, kvHeads: 2, ffnDim: 172, contextLength: 256)
    }
}

/// One pre-norm decoder block: x + attn(norm(x)), then x + mlp(norm(x)).
public final class LlamaBlock: Module {
    public let attentionNorm: RMSNorm
    public let attention: MultiHeadAttention
    public let mlpNorm: RMSNorm
    public let mlp: SwiGLU
    public let attentionDropout: Dropout
    public let mlpDropout: Dropout

    public init(_ config: LlamaConfig, rope: RoPE, rng: inout SeededRandom) {
        attentionNorm = RMSNorm(config.dim, eps: config.normEps)
        attention = MultiHeadAttention(dim: config.dim, heads: config.heads, kvHeads: config.kvHeads, bias: false,
                                       qkvBias: config.attentionBias, rope: rope, rng: &rng)
        mlpNorm = RMSNorm(config.dim, eps: config.normEps)
        mlp = SwiGLU(dim: config.dim, hidden: config.ffnDim, rng: &rng)
        // Mask generators seeded from a copy of the model's stream (each block its own masks; the
        // weights of later blocks are drawn as without dropout).
        var fork = rng
        attentionDropout = Dropout(config.dropout, seed: fork.next())
        mlpDropout = Dropout(config.dropout, seed: fork.next())
    }

    public func callAsFunction(_ x: Tensor, cache: KVCache?, keyPadding: Mask?) -> Tensor {
        let h = x + attentionDropout(attention(attentionNorm(x), cache: cache, keyPadding: keyPadding))
        return h + mlpDropout(mlp(mlpNorm(h)))
    }

    /// The block's output [B, n, C] at the last n positions of x [B, T, C] only.
    public func callAsFunction(_ x: Tensor, lastPositions n: Int, keyPadding: Mask?) -> Tensor {
        let t = x.shape[1]
        let residual = n < t ? x.slice(axis: 1, start: t - n, length: n) : x
        let h = residual + attentionDropout(attention(attentionNorm(x), lastPositions: n, keyPadding: keyPadding))
        return h + mlpDropout(mlp(mlpNorm(h)))
    }
}

/// A Llama-style causal language model.
public final class LlamaModel: Module {
    public let config: LlamaConfig
    public let embedding: Embedding     // [V, C]
    public let layers: [LlamaBlock]
    public let norm: RMSNorm
    public let output: Linear?          // [V, C]; nil when tied to the embedding

    public init(_ config: LlamaConfig, seed: UInt64 = 0) {
        var rng = SeededRandom(seed: seed)
        self.config = config
        let rope = RoPE(headDim: config.headDim, base: config.ropeBase, layout: config.ropeLayout,
                        frequencyFactors: config.ropeFrequencyFactors)
        embedding = Embedding(config.vocabSize, config.dim, rng: &rng)
        layers = (0..<config.layers).map { _ in LlamaBlock(config, rope: rope, rng: &rng) }
        norm = RMSNorm(config.dim, eps: config.normEps)
        output = config.tiedEmbeddings ? nil : Linear(config.dim, config.vocabSize, bias: false, rng: &rng)
    }

    /// Final hidden states [B, T, C] (after the last norm) for input embeddings [B, T, C].
    public func hiddenStates(embeddings x: Tensor, caches: [KVCache]? = nil, keyPadding: Mask? = nil) -> Tensor {
        var h = x
        for (i, layer) in layers.enumerated() { h = layer(h, cache: caches?[i], keyPadding: keyPadding) }
        return norm(h)
    }

    /// The residual stream [B, T, C] after the first `n` blocks (n = the layer count: the final,
    /// normed hidden states), e.g. to see where in the LLM the speech and the text meet.
    public func hiddenStates(embeddings x: Tensor, throughLayer n: Int) -> Tensor {
        precondition((0...layers.count).contains(n), "layer \(n) of a model with \(layers.count)")
        guard n < layers.count else { return hiddenStates(embeddings: x) }
        var h = x
        for layer in layers.prefix(n) { h = layer(h, cache: nil, keyPadding: nil) }
        return h
    }

    /// Logits [B, T, V] from hidden states.
    public func logits(hidden: Tensor) -> Tensor {
        hidden.linear(output?.weight ?? embedding.weight)
    }

    /// Logits [B, T, V] for token ids of shape [B, T].
    public func callAsFunction(_ ids: [Int32], shape: [Int], caches: [KVCache]? = nil) -> Tensor {
        logits(hidden: hiddenStates(embeddings: embedding(ids, shape: shape), caches: caches))
    }

    /// Sets the residual dropout of every block (e.g. for fine-tuning a pretrained model).
    public func setDropout(_ p: Float) {
        for layer in layers { layer.attentionDropout.p = p; layer.mlpDropout.p = p }
    }

    /// One KV cache per layer for incremental decoding.
    public func makeCaches(batch: Int = 1, capacity: Int? = nil) -> [KVCache] {
        layers.map { _ in KVCache(batch: batch, capacity: capacity ?? config.contextLength, kvWidth: config.kvHeads * config.headDim) }
    }

    /// Mean next-token cross-entropy of sequences [B, T+1] (inputs are all but the last token).
    public func languageModelLoss(_ tokens: [Int32], batch: Int) -> Tensor {
        let (inputs, targets) = Self.nextTokenPairs(tokens, batch: batch)
        return self(inputs, shape: [batch, inputs.count / batch]).crossEntropy(targets: targets)
    }

    /// Inputs and next-token targets [B, T] of sequences [B, T+1]: each row without its last, and without its first token.
    public static func nextTokenPairs(_ tokens: [Int32], batch: Int) -> (inputs: [Int32], targets: [Int32]) {
        let t = tokens.count / batch - 1
        var inputs: [Int32] = [], targets: [Int32] = []
        inputs.reserveCapacity(batch * t); targets.reserveCapacity(batch * t)
        for b in 0..<batch {
            let row = tokens[(b * (t + 1))..<((b + 1) * (t + 1))]
            inputs += row.dropLast()
            targets += row.dropFirst()
        }
        return (inputs, targets)
    }
}
