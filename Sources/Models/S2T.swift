import Foundation
import NN
import Tensor

// EchoX stage I (arXiv 2509.09174 §2.2; the official model code's speech adapter): a frozen speech
// encoder's states become embeddings in the LLM's input space. Shapes: B batch, T encoder frames,
// T' = ⌈T/2⌉ stacked frames, K kept frames after CTC shrinking, E encoder width, C LLM width, V CTC classes.

// MARK: - Configuration

/// Sizes of the speech adapter, its CTC head and the LookBack attention.
public struct S2TConfig: Codable, Equatable, Sendable {
    /// Width of the speech encoder's states (Whisper tiny 384, base 512).
    public var encoderDim: Int
    /// Width of the LLM (SmolLM2-135M: 576).
    public var llmDim: Int
    /// The LLM's vocabulary; the CTC head has one class more, the blank (id `vocabSize`).
    public var vocabSize: Int
    /// Encoder frames stacked into one adapter frame.
    public var stack = 2
    public var heads = 8
    public var lookBackHeads = 8
    public var dropout: Float = 0.1
    public var normEps: Float = 1e-5
    /// The CTC head's token rows are the LLM's own (frozen) token embeddings, with a trained bias and a
    /// trained blank row, instead of a trained Linear of V + 1 rows: 28 M fewer trainable values for
    /// SmolLM2 (a 5 MB checkpoint instead of 400 MB), and adapter frames scored against the very
    /// embeddings they stand in for.
    public var tiedCTCHead = true
    /// Besides the frames CTC shrinking keeps, keep one of every `keepEvery` adapter frames (0: only
    /// CTC's). A CTC head that has not learned a language's rarer tokens emits only its frequent words
    /// ("what is the?"), and the LLM would get nothing else of the question; the floor keeps its content.
    public var keepEvery = 0
    /// The output LayerNorm's initial gain (nil: 1). The RMS of the LLM's token-embedding values makes
    /// speech embeddings start at the scale of the token embeddings they stand in for.
    public var outputScale: Float?

    enum CodingKeys: String, CodingKey {
        case encoderDim = "encoder_dim", llmDim = "llm_dim", vocabSize = "vocab_size", stack, heads
        case lookBackHeads = "lookback_heads", dropout, normEps = "layer_norm_epsilon", tiedCTCHead = "tied_ctc_head"
        case keepEvery = "keep_every", outputScale = "output_scale"
    }

    public init(encoderDim: Int, llmDim: Int, vocabSize: Int, stack: Int = 2, heads: Int = 8, lookBackHeads: Int = 8, dropout: Float = 0.1) {
        self.encoderDim = encoderDim; self.llmDim = llmDim; self.vocabSize = vocabSize
        self.stack = stack; self.heads = heads; self.lookBackHeads = lookBackHeads; self.dropout = dropout
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(encoderDim: try c.decode(Int.self, forKey: .encoderDim), llmDim: try c.decode(Int.self, forKey: .llmDim),
                  vocabSize: try c.decode(Int.self, forKey: .vocabSize), stack: try c.decodeIfPresent(Int.self, forKey: .stack) ?? 2,
                  heads: try c.decodeIfPresent(Int.self, forKey: .heads) ?? 8,
                  lookBackHeads: try c.decodeIfPresent(Int.self, forKey: .lookBackHeads) ?? 8,
                  dropout: try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0.1)
        normEps = try c.decodeIfPresent(Float.self, forKey: .normEps) ?? 1e-5
        tiedCTCHead = try c.decodeIfPresent(Bool.self, forKey: .tiedCTCHead) ?? true
        keepEvery = try c.decodeIfPresent(Int.self, forKey: .keepEvery) ?? 0
        outputScale = try c.decodeIfPresent(Float.self, forKey: .outputScale)
        do { try validate() } catch let error as S2TError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: error.description))
        }
    }

    /// The blank class of the CTC head.
    public var blank: Int { vocabSize }

    /// Throws unless the sizes make a model.
    public func validate() throws {
        guard encoderDim > 0, llmDim > 0, vocabSize > 0, stack > 0, heads > 0, lookBackHeads > 0 else {
            throw S2TError("S2T sizes must be positive: \(self)")
        }
        guard llmDim % heads == 0, llmDim % lookBackHeads == 0 else {
            throw S2TError("the LLM width \(llmDim) must split into \(heads) adapter heads and \(lookBackHeads) LookBack heads")
        }
        guard dropout >= 0 && dropout < 1 else { throw S2TError("dropout \(dropout) must be in [0, 1)") }
        if let outputScale, !(outputScale.isFinite && outputScale > 0) { throw S2TError("output_scale \(outputScale) must be a positive number") }
        guard keepEvery >= 0 else { throw S2TError("keep_every \(keepEvery) must be ≥ 0 (0: CTC shrinking alone)") }
    }

    /// A small model for tests.
    public static func tiny(encoderDim: Int = 16, llmDim: Int = 32, vocabSize: Int = 40, tiedCTCHead: Bool = false) -> S2TConfig {
        var config = S2TConfig(encoderDim: encoderDim, llmDim: llmDim, vocabSize: vocabSize, heads: 2, lookBackHeads: 2)
        config.tiedCTCHead = tiedCTCHead
        return config
    }
}

/// An S2T model problem; the message says what to change.
public struct S2TError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

// MARK: - Layers

/// LookBack: the kept frames (queries) attend to every adapter frame (keys and values, padding
/// masked), then dropout, the residual and LayerNorm.
public final class S2TLookBack: Module {
    public let query: Linear    // [C, C]
    public let key: Linear      // [C, C]
    public let value: Linear    // [C, C]
    public let output: Linear   // [C, C]
    public let dropout: Dropout
    public let norm: LayerNorm
    public let heads: Int

    public init(_ config: S2TConfig, rng: inout SeededRandom) {
        let c = config.llmDim
        query = Linear(c, c, rng: &rng); key = Linear(c, c, rng: &rng)
        value = Linear(c, c, rng: &rng); output = Linear(c, c, rng: &rng)
        heads = config.lookBackHeads
        var fork = rng
        dropout = Dropout(config.dropout, seed: fork.next())
        norm = LayerNorm(c, eps: config.normEps)
    }

    /// kept [B, K, C] over frames [B, T', C] → [B, K, C].
    public func callAsFunction(_ kept: Tensor, frames: Tensor, keyPadding: Mask?) -> Tensor {
        let attended = Tensor.attention(q: query(kept), k: key(frames), v: value(frames), heads: heads, kvHeads: heads,
                                        causal: false, keyPadding: keyPadding)
        return norm(kept + dropout(output(attended)))
    }
}

// MARK: - Shrinking

/// CTC shrinking (`CTCGreedy.shrinkPositions`: the first frame of each non-blank run of the best path,
/// one frame per emitted token), with an optional floor of frames kept whatever CTC says.
public enum CTCShrink {
    /// Kept frame indices of one item from its best path; with `every` > 0, also the middle frame of
    /// each run of `every` frames (in order, each once).
    public static func keptFrames(_ best: [Int], blank: Int, every: Int = 0) -> [Int] {
        let emitted = CTCGreedy.shrinkPositions(best, blank: blank)
        guard every > 0 else { return emitted }
        return Array(Set(emitted).union(stride(from: every / 2, to: best.count, by: every))).sorted()
    }
}

// MARK: - Model

/// What the speech side produced for a batch.
public struct S2TOutput {
    /// Speech embeddings [B, K, C] to splice into the LLM prompt (item b: its first `lengths[b]` rows).
    public let embeddings: Tensor
    /// Kept frames per item (at least 1: an item with no kept frame keeps its first).
    public let lengths: [Int]
    /// CTC logits [B, T', V] over the LLM vocabulary and the blank, and their valid frames.
    public let ctcLogits: Tensor
    public let frameLengths: [Int]
    /// The CTC best path (argmax class) of each item's valid frames, which the shrinking used.
    public let bestPaths: [[Int]]
}

/// Speech adapter (stack frames → Linear → one transformer layer → LayerNorm), CTC head, CTC shrinking
/// and LookBack: encoder states in, LLM-space speech embeddings out.
public final class S2TModel: Module {
    public let config: S2TConfig
    public let projection: Linear       // [C, stack·E]
    public let layer: EncoderLayer      // FFN 2·C
    public let norm: LayerNorm
    /// [V + 1, C] when untied; tied: nil, the token rows come from the LLM's embedding.
    public let ctcHead: Linear?
    /// Tied head only: the blank's row [1, C] and a bias [V + 1] over every class.
    public let ctcBlank: Tensor?
    public let ctcBias: Tensor?
    public let lookBack: S2TLookBack

    public init(_ config: S2TConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = SeededRandom(seed: seed)
        projection = Linear(config.stack * config.encoderDim, config.llmDim, rng: &rng)
        layer = EncoderLayer(dim: config.llmDim, heads: config.heads, ffnDim: 2 * config.llmDim, rope: nil,
                             normEps: config.normEps, dropout: config.dropout, rng: &rng)
        norm = LayerNorm(config.llmDim, eps: config.normEps)
        if config.tiedCTCHead {
            ctcHead = nil
            ctcBlank = Tensor.randn([1, config.llmDim], std: 0.02, rng: &rng, requiresGrad: true)
            ctcBias = Tensor(zeros: [config.vocabSize + 1], requiresGrad: true)
        } else {
            ctcHead = Linear(config.llmDim, config.vocabSize + 1, rng: &rng)
            (ctcBlank, ctcBias) = (nil, nil)
        }
        lookBack = S2TLookBack(config, rng: &rng)
        if let scale = config.outputScale { lookBack.norm.weight = Init.constant(scale, [config.llmDim]) }
    }

    /// Adapter frames per `frames` encoder frames.
    public func stackedLength(_ frames: Int) -> Int { (frames + config.stack - 1) / config.stack }

    /// Encoder states [B, T, E] with `lengths` valid frames each → speech embeddings and CTC logits.
    /// A tied head scores frames against `tokenEmbeddings` [V, C], the LLM's embedding matrix.
    public func callAsFunction(_ states: Tensor, lengths: [Int], tokenEmbeddings: Tensor? = nil) throws -> S2TOutput {
        guard states.rank == 3, states.shape[2] == config.encoderDim, lengths.count == states.shape[0] else {
            throw S2TError("encoder states must be [B, T, \(config.encoderDim)] with one length per item, got \(states.shape) and \(lengths.count) lengths")
        }
        guard lengths.allSatisfy({ $0 >= 1 && $0 <= states.shape[1] }) else {
            throw S2TError("every item needs between 1 and \(states.shape[1]) frames, got \(lengths)")
        }
        let (b, t, s) = (states.shape[0], states.shape[1], config.stack)
        // Stack s consecutive frames: [B, T, E] → [B, T', s·E] (zeros after the last frame).
        let frames = stackedLength(t)
        let padded = frames * s > t ? states.padded(axis: 1, before: 0, after: frames * s - t) : states
        let stacked = padded.reshaped([b, frames, s * config.encoderDim])
        let frameLengths = lengths.map(stackedLength)
        let padding = Mask((0..<b).flatMap { item in (0..<frames).map { $0 >= frameLengths[item] } }, shape: [b, frames])
        let adapted = norm(layer(projection(stacked), keyPadding: padding))        // [B, T', C]
        let ctcLogits = try ctcLogits(adapted, tokenEmbeddings: tokenEmbeddings)     // [B, T', V+1]

        // Shrink: the kept frames of each item, padded to the longest with its first kept frame.
        let paths = try CTCGreedy.bestPaths(ctcLogits, lengths: frameLengths)
        let kept = paths.map { CTCShrink.keptFrames($0, blank: config.blank, every: config.keepEvery) }
        let counts = kept.map { max($0.count, 1) }
        let longest = counts.max() ?? 1
        var rows: [Int] = []
        for (item, frames) in kept.enumerated() {
            let chosen = frames.isEmpty ? [0] : frames
            rows += (0..<longest).map { item * (ctcLogits.shape[1]) + chosen[min($0, chosen.count - 1)] }
        }
        let flat = adapted.reshaped([b * frames, config.llmDim])
        let queries = flat.indexSelect(axis: 0, rows).reshaped([b, longest, config.llmDim])    // [B, K, C]
        let embeddings = lookBack(queries, frames: adapted, keyPadding: padding)
        return S2TOutput(embeddings: embeddings, lengths: counts, ctcLogits: ctcLogits, frameLengths: frameLengths, bestPaths: paths)
    }

    /// CTC logits [B, T', V + 1] of adapter frames [B, T', C] (the blank last).
    func ctcLogits(_ adapted: Tensor, tokenEmbeddings: Tensor?) throws -> Tensor {
        if let ctcHead { return ctcHead(adapted) }
        guard let embeddings = tokenEmbeddings, embeddings.shape == [config.vocabSize, config.llmDim],
              let ctcBlank, let ctcBias else {
            throw S2TError("a tied CTC head needs the LLM's token embeddings [\(config.vocabSize), \(config.llmDim)]")
        }
        return Tensor.concat([adapted.linear(embeddings), adapted.linear(ctcBlank)], axis: 2) + ctcBias
    }

    /// The CTC loss of the transcripts' LLM token ids on `output`'s frames (items too short to align count 0).
    public func ctcLoss(_ output: S2TOutput, transcripts: [[Int32]]) throws -> Tensor {
        try NN.ctcLoss(output.ctcLogits.logSoftmax(), targets: transcripts, inputLengths: output.frameLengths,
                       blank: config.blank, zeroInfinity: true)
    }
}
