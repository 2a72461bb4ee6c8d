import Foundation
import NN
import Tensor

// EchoX stage II (arXiv 2509.09174 §2.3; the official code's text-to-codec decoder): text in the LLM's
// embedding space → unit-language words of the target voice. Shapes: B batch, T text positions,
// N unit words, E LLM width, C T2C width, U unit-language vocabulary (+ 2: start and end of speech).

// MARK: - Configuration

/// Sizes of the T2C decoder. The official configuration is 8 layers × 768, 12 heads, FFN 2048.
public struct T2CConfig: Codable, Equatable, Sendable {
    /// Width of the LLM whose token embeddings (or, for Echo, adapted hidden states) come in.
    public var llmDim: Int
    /// Unit-language words the decoder speaks; ids `units` and `units + 1` start and end speech.
    public var units: Int
    public var dim = 768
    public var layers = 8
    public var heads = 12
    public var kvHeads = 12
    public var ffnDim = 2048
    public var dropout: Float = 0.1
    /// Text positions plus unit words the decoder can hold.
    public var contextLength = 1024

    enum CodingKeys: String, CodingKey {
        case llmDim = "llm_dim", units, dim, layers, heads, kvHeads = "kv_heads", ffnDim = "ffn_dim", dropout
        case contextLength = "context_length"
    }

    public init(llmDim: Int, units: Int, dim: Int = 768, layers: Int = 8, heads: Int = 12, kvHeads: Int? = nil,
                ffnDim: Int = 2048, dropout: Float = 0.1, contextLength: Int = 1024) {
        self.llmDim = llmDim; self.units = units; self.dim = dim; self.layers = layers; self.heads = heads
        self.kvHeads = kvHeads ?? heads; self.ffnDim = ffnDim; self.dropout = dropout; self.contextLength = contextLength
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? 12
        self.init(llmDim: try c.decode(Int.self, forKey: .llmDim), units: try c.decode(Int.self, forKey: .units),
                  dim: try c.decodeIfPresent(Int.self, forKey: .dim) ?? 768, layers: try c.decodeIfPresent(Int.self, forKey: .layers) ?? 8,
                  heads: heads, kvHeads: try c.decodeIfPresent(Int.self, forKey: .kvHeads),
                  ffnDim: try c.decodeIfPresent(Int.self, forKey: .ffnDim) ?? 2048,
                  dropout: try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0.1,
                  contextLength: try c.decodeIfPresent(Int.self, forKey: .contextLength) ?? 1024)
        do { try validate() } catch let error as T2CError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: error.description))
        }
    }

    /// The start-of-speech id (the first input after the text) and the end-of-speech id (the last target).
    public var start: Int32 { Int32(units) }
    public var end: Int32 { Int32(units + 1) }
    /// Classes of the output head: the unit words, start and end.
    public var vocabSize: Int { units + 2 }

    /// The decoder stack as a Llama shape (its vocabulary: the unit words, start and end).
    public var decoder: LlamaConfig {
        var c = LlamaConfig(vocabSize: vocabSize, dim: dim, layers: layers, heads: heads, kvHeads: kvHeads, ffnDim: ffnDim,
                            ropeLayout: .halfSplit, contextLength: contextLength)
        c.dropout = dropout
        return c
    }

    /// Throws unless the sizes make a model.
    public func validate() throws {
        guard llmDim > 0, units > 0, dim > 0, layers > 0, heads > 0, kvHeads > 0, ffnDim > 0, contextLength > 1 else {
            throw T2CError("T2C sizes must be positive (and the context at least 2): \(self)")
        }
        guard dim % heads == 0, heads % kvHeads == 0, (dim / heads) % 2 == 0 else {
            throw T2CError("T2C width \(dim) must split into \(heads) heads of even size, in groups of \(kvHeads) key/value heads")
        }
        guard dropout >= 0 && dropout < 1 else { throw T2CError("T2C dropout \(dropout) must be in [0, 1)") }
    }

    /// A small decoder for tests and the tiny preset.
    public static func tiny(llmDim: Int, units: Int) -> T2CConfig {
        T2CConfig(llmDim: llmDim, units: units, dim: 64, layers: 2, heads: 4, ffnDim: 172, dropout: 0, contextLength: 512)
    }
}

/// A T2C or Echo decoder problem; the message says what to change.
public struct T2CError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

// MARK: - Model

/// The decoder: a Linear adapter from the LLM width to the T2C width for the text, then a Llama-style
/// decoder over [text, start, words…] whose head predicts each next word and the end.
/// The Echo decoder is the same model reading the Denoising Adapter's output in place of the text.
public final class T2CModel: Module {
    public let config: T2CConfig
    public let textAdapter: Linear   // [C, E]
    public let decoder: LlamaModel   // embedding [U + 2, C], blocks, norm, head [U + 2, C]

    public init(_ config: T2CConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = SeededRandom(seed: seed ^ 0x7_2C)
        textAdapter = Linear(config.llmDim, config.dim, rng: &rng)
        decoder = LlamaModel(config.decoder, seed: seed)
    }

    /// Teacher-forced logits [M, U + 2] at the M word positions of a batch, with their targets (each
    /// item's words, then the end). `text` [B, T, E] holds item b's text in its first `textLengths[b]` rows.
    public func logits(text: Tensor, textLengths: [Int], words: [[Int32]]) throws -> (logits: Tensor, targets: [Int32]) {
        guard text.rank == 3, text.shape[2] == config.llmDim, textLengths.count == text.shape[0], words.count == text.shape[0] else {
            throw T2CError("T2C text must be [B, T, \(config.llmDim)] with one length and one word list per item, got \(text.shape), \(textLengths.count) lengths, \(words.count) word lists")
        }
        guard textLengths.allSatisfy({ $0 >= 1 && $0 <= text.shape[1] }) else {
            throw T2CError("every item needs between 1 and \(text.shape[1]) text positions, got \(textLengths)")
        }
        guard words.allSatisfy({ $0.allSatisfy { $0 >= 0 && Int($0) < config.units } }) else {
            throw T2CError("a unit word is outside the unit language's \(config.units) words: retrain T2C for this units model")
        }
        let longest = zip(textLengths, words).map { $0 + $1.count + 1 }.max()!
        guard longest <= config.contextLength else {
            throw T2CError("a text of \(longest) positions with its speech exceeds the T2C context of \(config.contextLength): shorten it or raise context_length")
        }
        let projected = textAdapter(text)
        var rows: [Tensor] = [], targets: [Int32] = []
        for (b, item) in words.enumerated() {
            let inputs = [config.start] + item
            let row = Tensor.concat([projected.slice(axis: 0, start: b, length: 1).slice(axis: 1, start: 0, length: textLengths[b]),
                                     decoder.embed(inputs, shape: [1, inputs.count])], axis: 1)
            let padding = longest - row.shape[1]
            rows.append(padding > 0 ? row.padded(axis: 1, before: 0, after: padding) : row)
            targets += Array(repeating: -100, count: textLengths[b]) + item + [config.end] + Array(repeating: -100, count: padding)
        }
        // Padding comes after each item, so causal attention never reads it for a scored position.
        let hidden = decoder.hiddenStates(embeddings: Tensor.concat(rows, axis: 0)).reshaped([words.count * longest, config.dim])
        let scored = targets.indices.filter { targets[$0] != -100 }
        return (decoder.logits(hidden: hidden.indexSelect(axis: 0, scored)), scored.map { targets[$0] })
    }

    /// Mean cross-entropy of the words (and the end) given the text.
    public func loss(text: Tensor, textLengths: [Int], words: [[Int32]]) throws -> Tensor {
        let (logits, targets) = try logits(text: text, textLengths: textLengths, words: words)
        return logits.crossEntropy(targets: targets)
    }

    /// Greedy decoding of one text [T, E] or [1, T, E]: the words until the end (at most `maxWords`).
    /// `onWord` sees each word as it is decided (speech made while the rest is decoded).
    public func greedy(text: Tensor, maxWords: Int, onWord: (Int32) throws -> Void = { _ in }) throws -> [Int32] {
        let t = text.rank == 3 ? text.shape[1] : text.shape[0]
        guard (text.rank == 2 || (text.rank == 3 && text.shape[0] == 1)), text.shape.last == config.llmDim, t >= 1 else {
            throw T2CError("T2C decodes one text of [T, \(config.llmDim)], got \(text.shape)")
        }
        let budget = min(maxWords, config.contextLength - t - 1)
        guard budget >= 1 else { throw T2CError("a text of \(t) positions leaves no room for speech in the T2C context of \(config.contextLength)") }
        let wasTraining = isTraining
        eval()
        defer { if wasTraining { train() } }
        return try Autograd.noGrad {
            let caches = decoder.makeCaches(batch: 1, capacity: t + budget + 1)
            let prompt = Tensor.concat([textAdapter(text.reshaped([1, t, config.llmDim])),
                                        decoder.embed([config.start], shape: [1, 1])], axis: 1)
            var hidden = decoder.hiddenStates(embeddings: prompt, caches: caches)
            var out: [Int32] = []
            while out.count < budget {
                let last = hidden.slice(axis: 1, start: hidden.shape[1] - 1, length: 1).reshaped([1, config.dim])
                let logits = decoder.logits(hidden: last)
                let best = Int32(Sampler.argmax(UnsafeBufferPointer(start: logits.data, count: config.units)))
                // The end competes with the words; start is never predicted.
                if logits.data[Int(config.end)] > logits.data[Int(best)] { break }
                out.append(best)
                try onWord(best)
                hidden = decoder.hiddenStates(embeddings: decoder.embed([best], shape: [1, 1]), caches: caches)
            }
            return out
        }
    }
}
