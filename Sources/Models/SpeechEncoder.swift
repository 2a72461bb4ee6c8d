import Foundation
import NN
import Tensor

// MARK: - Configuration

/// Shape of the speech encoder: log-mel [T, melBins] → two convolutions (the second with stride 2,
/// halving the frame rate) → pre-norm bidirectional transformer layers → CTC head over `vocabSize`
/// labels (blank = 0).
public struct SpeechEncoderConfig: Codable, Equatable, Sendable {
    public var melBins: Int
    public var dim: Int
    public var layers: Int
    public var heads: Int
    public var ffnDim: Int
    public var vocabSize: Int
    public var normEps: Float = 1e-5
    /// Residual dropout while training (0: none).
    public var dropout: Float = 0

    enum CodingKeys: String, CodingKey {
        case melBins = "mel_bins", dim = "embedding_length", layers = "block_count", heads = "attention.head_count"
        case ffnDim = "feed_forward_length", vocabSize = "vocab_size", normEps = "layer_norm_epsilon", dropout
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(melBins: try c.decode(Int.self, forKey: .melBins), dim: try c.decode(Int.self, forKey: .dim),
                  layers: try c.decode(Int.self, forKey: .layers), heads: try c.decode(Int.self, forKey: .heads),
                  ffnDim: try c.decode(Int.self, forKey: .ffnDim), vocabSize: try c.decode(Int.self, forKey: .vocabSize),
                  normEps: try c.decodeIfPresent(Float.self, forKey: .normEps) ?? 1e-5)
        // Absent from configs written before it existed.
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
    }

    public init(melBins: Int = 80, dim: Int = 96, layers: Int = 3, heads: Int = 4, ffnDim: Int = 384,
                vocabSize: Int = 29, normEps: Float = 1e-5) {
        self.melBins = melBins; self.dim = dim; self.layers = layers; self.heads = heads
        self.ffnDim = ffnDim; self.vocabSize = vocabSize; self.normEps = normEps
    }

    /// Throws when the sizes cannot make a model.
    public func validate() throws {
        guard melBins > 0, dim > 0, layers > 0, heads > 0, ffnDim > 0, vocabSize > 1 else {
            throw SpeechEncoderError("speech encoder sizes must be positive (vocab ≥ 2): \(self)")
        }
        guard dropout >= 0 && dropout < 1 else { throw SpeechEncoderError("dropout \(dropout) must be in [0, 1)") }
        guard dim % heads == 0, (dim / heads) % 2 == 0 else {
            throw SpeechEncoderError("dim \(dim) must split into \(heads) heads of even size")
        }
    }

    /// A small model for tests (runs in milliseconds).
    public static func tiny(vocabSize: Int = 29) -> SpeechEncoderConfig {
        SpeechEncoderConfig(melBins: 80, dim: 32, layers: 2, heads: 2, ffnDim: 64, vocabSize: vocabSize)
    }

    /// Output frames for `frames` input frames (stride-2 convolution, kernel 3, padding 1).
    public static func outputLength(_ frames: Int) -> Int { frames < 1 ? 0 : (frames - 1) / 2 + 1 }
}

/// A speech encoder problem; the message says what to change.
public struct SpeechEncoderError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

// MARK: - Layers

/// What one forward pass produced.
public struct SpeechEncoderOutput {
    /// Output of every layer [B, T', C] (index 0 is the subsampled input to the first layer).
    public let hidden: [Tensor]
    /// CTC scores [B, T', V] (logits, before log-softmax).
    public let logits: Tensor
    /// Valid output frames per item.
    public let lengths: [Int]
}

// MARK: - Model

/// Speech encoder with a CTC head; its layers also provide features for speech units.
public final class SpeechEncoder: Module {
    public let config: SpeechEncoderConfig
    public let conv1: Conv1d        // [C, melBins, 3]
    public let conv2: Conv1d        // [C, C, 3], stride 2
    public let layers: [EncoderLayer]
    public let finalNorm: LayerNorm
    public let ctcHead: Linear      // [V, C]

    public init(_ config: SpeechEncoderConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = SeededRandom(seed: seed)
        conv1 = Conv1d(inChannels: config.melBins, outChannels: config.dim, kernelSize: 3, padding: 1, rng: &rng)
        conv2 = Conv1d(inChannels: config.dim, outChannels: config.dim, kernelSize: 3, stride: 2, padding: 1, rng: &rng)
        let rope = RoPE(headDim: config.dim / config.heads)
        layers = (0..<config.layers).map { _ in
            EncoderLayer(dim: config.dim, heads: config.heads, ffnDim: config.ffnDim, rope: rope, normEps: config.normEps,
                         dropout: config.dropout, rng: &rng)
        }
        finalNorm = LayerNorm(config.dim, eps: config.normEps)
        ctcHead = Linear(config.dim, config.vocabSize, rng: &rng)
    }

    /// Runs `features` [B, T, melBins] (already normalised; padding frames 0) with `lengths` valid
    /// frames per item. `throughLayer` stops after that many layers (the CTC head then sees it).
    public func callAsFunction(_ features: Tensor, lengths: [Int], throughLayer: Int? = nil) throws -> SpeechEncoderOutput {
        guard features.rank == 3, features.shape[2] == config.melBins else {
            throw SpeechEncoderError("speech encoder input must be [B, T, \(config.melBins)], got \(features.shape)")
        }
        let (b, t) = (features.shape[0], features.shape[1])
        guard t >= 1, lengths.count == b, lengths.allSatisfy({ $0 >= 1 && $0 <= t }) else {
            throw SpeechEncoderError("lengths \(lengths) do not fit a batch of \(b) × \(t) frames")
        }
        let depth = min(throughLayer ?? config.layers, config.layers)
        var x = conv1(features.transposed(1, 2)).gelu()   // [B, C, T]
        if lengths.contains(where: { $0 < t }) {
            // Padding frames stay zero, as the convolution's own padding, so a padded item equals it alone.
            var keep = [Float](repeating: 0, count: b * t)
            for (i, length) in lengths.enumerated() { for j in 0..<length { keep[i * t + j] = 1 } }
            x = x * Tensor(keep, shape: [b, 1, t])
        }
        x = conv2(x).gelu().transposed(1, 2)           // [B, T', C]
        let tOut = x.shape[1]
        let outLengths = lengths.map { min(tOut, SpeechEncoderConfig.outputLength($0)) }
        var padding: [Bool] = []
        padding.reserveCapacity(b * tOut)
        for length in outLengths { for j in 0..<tOut { padding.append(j >= length) } }
        let mask = outLengths.allSatisfy({ $0 == tOut }) ? nil : Mask(padding, shape: [b, tOut])
        var hidden = [x]
        for layer in layers.prefix(depth) {
            x = layer(x, keyPadding: mask)
            hidden.append(x)
        }
        return SpeechEncoderOutput(hidden: hidden, logits: ctcHead(finalNorm(x)), lengths: outLengths)
    }
}
