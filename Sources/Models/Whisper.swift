import Foundation
import Formats
import Tensor

// Whisper (Radford et al. 2022, "Robust Speech Recognition via Large-Scale Weak Supervision"), as in
// https://github.com/openai/whisper/blob/main/whisper/model.py, read from the CTranslate2 files
// that `ct2-transformers-converter` writes (variable names of CTranslate2's `WhisperSpec`).
//
// Shapes: T mel frames (T/2 encoder positions after the stride-2 convolution), C model width,
// H heads, D head size (C = H·D), V vocabulary.

// MARK: - Config

/// The architecture's sizes, read from the model file. Coding keys are the CTranslate2 variable
/// names the values come from (sizes from the shapes of those variables).
public struct WhisperConfig: Codable, Equatable, Sendable {
    /// Mel bands of the input (80; 128 for large-v3): `encoder/conv1/weight` [C, mels, 3].
    public var melCount: Int
    /// Model width C: `encoder/conv1/weight` [C, mels, 3].
    public var width: Int
    public var encoderLayers: Int
    public var encoderHeads: Int
    public var decoderLayers: Int
    public var decoderHeads: Int
    /// Encoder positions (1500 = 30 s): `encoder/position_encodings/encodings` [1500, C].
    public var audioContext: Int
    /// Decoder positions (448): `decoder/position_encodings/encodings` [448, C].
    public var textContext: Int
    /// V: `decoder/embeddings/weight` [V, C].
    public var vocabularySize: Int

    enum CodingKeys: String, CodingKey {
        case melCount = "encoder/conv1/weight:1"
        case width = "encoder/conv1/weight:0"
        case encoderLayers = "encoder/layer_*"
        case encoderHeads = "encoder/num_heads"
        case decoderLayers = "decoder/layer_*"
        case decoderHeads = "decoder/num_heads"
        case audioContext = "encoder/position_encodings/encodings:0"
        case textContext = "decoder/position_encodings/encodings:0"
        case vocabularySize = "decoder/embeddings/weight:0"
    }

    public init(melCount: Int, width: Int, encoderLayers: Int, encoderHeads: Int, decoderLayers: Int,
                decoderHeads: Int, audioContext: Int, textContext: Int, vocabularySize: Int) {
        (self.melCount, self.width, self.encoderLayers, self.encoderHeads) = (melCount, width, encoderLayers, encoderHeads)
        (self.decoderLayers, self.decoderHeads, self.audioContext) = (decoderLayers, decoderHeads, audioContext)
        (self.textContext, self.vocabularySize) = (textContext, vocabularySize)
    }

    /// The sizes of the model in `file` (a `WhisperSpec`), checked for consistency.
    public init(file: CTranslate2File) throws {
        guard file.specName == "WhisperSpec" else {
            throw WhisperError("the model file holds a \(file.specName), not a WhisperSpec; give the folder of a CTranslate2 Whisper model")
        }
        let conv = try file.requireVariable("encoder/conv1/weight")
        guard conv.shape.count == 3, conv.shape[2] == 3 else {
            throw WhisperError("encoder/conv1/weight has shape \(conv.shape), not [C, mels, 3]; the file is not a Whisper model")
        }
        func rows(_ name: String) throws -> Int {
            let v = try file.requireVariable(name)
            guard v.shape.count == 2, v.shape[1] == conv.shape[0] else {
                throw WhisperError("\(name) has shape \(v.shape), not [n, \(conv.shape[0])]; the file is not a Whisper model")
            }
            return v.shape[0]
        }
        func layers(_ prefix: String) -> Int {
            var n = 0
            while file.variable(named: "\(prefix)/layer_\(n)/ffn/linear_0/weight") != nil { n += 1 }
            return n
        }
        self.init(melCount: conv.shape[1], width: conv.shape[0],
                  encoderLayers: layers("encoder"), encoderHeads: try file.integer(named: "encoder/num_heads"),
                  decoderLayers: layers("decoder"), decoderHeads: try file.integer(named: "decoder/num_heads"),
                  audioContext: try rows("encoder/position_encodings/encodings"),
                  textContext: try rows("decoder/position_encodings/encodings"),
                  vocabularySize: try rows("decoder/embeddings/weight"))
        try validate()
    }

    public func validate() throws {
        for (name, heads) in [("encoder", encoderHeads), ("decoder", decoderHeads)] {
            guard heads > 0, width % heads == 0 else {
                throw WhisperError("\(name)/num_heads is \(heads), which does not divide the width \(width); the file is corrupt")
            }
        }
        guard encoderLayers > 0, decoderLayers > 0, audioContext > 0, textContext > 4, vocabularySize > 0 else {
            throw WhisperError("the model has \(encoderLayers) encoder and \(decoderLayers) decoder layers, \(audioContext) audio and \(textContext) text positions; the file is not a complete Whisper model")
        }
    }

    /// A few-parameter configuration for smoke tests.
    public static let tiny = WhisperConfig(melCount: 80, width: 32, encoderLayers: 2, encoderHeads: 2, decoderLayers: 2,
                                           decoderHeads: 2, audioContext: 50, textContext: 16, vocabularySize: 64)
}

/// Token suppression and languages from the model folder's config.json (keys as in the file).
public struct WhisperGenerationConfig: Codable, Equatable, Sendable {
    /// Never generated.
    public var suppressIDs: [Int]
    /// Not generated as the first token (the blank " " and end of text).
    public var suppressIDsBegin: [Int]
    public var languageIDs: [Int]

    enum CodingKeys: String, CodingKey {
        case suppressIDs = "suppress_ids", suppressIDsBegin = "suppress_ids_begin", languageIDs = "lang_ids"
    }

    public init(suppressIDs: [Int] = [], suppressIDsBegin: [Int] = [], languageIDs: [Int] = []) {
        (self.suppressIDs, self.suppressIDsBegin, self.languageIDs) = (suppressIDs, suppressIDsBegin, languageIDs)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        suppressIDs = try c.decodeIfPresent([Int].self, forKey: .suppressIDs) ?? []
        suppressIDsBegin = try c.decodeIfPresent([Int].self, forKey: .suppressIDsBegin) ?? []
        languageIDs = try c.decodeIfPresent([Int].self, forKey: .languageIDs) ?? []
    }
}

public struct WhisperError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

// MARK: - Name table

/// The CTranslate2 variables of a Whisper model, by role; `all(config)` lists every one the model reads.
public enum WhisperTensorTable {
    public static let encoderGlobals = ["encoder/conv1/weight", "encoder/conv1/bias", "encoder/conv2/weight", "encoder/conv2/bias",
                                        "encoder/position_encodings/encodings", "encoder/layer_norm/gamma", "encoder/layer_norm/beta"]
    public static let decoderGlobals = ["decoder/embeddings/weight", "decoder/position_encodings/encodings",
                                        "decoder/layer_norm/gamma", "decoder/layer_norm/beta"]
    /// Per encoder layer: pre-norm self-attention (fused query/key/value, output) and feed-forward.
    public static let encoderLayer = ["self_attention/layer_norm/gamma", "self_attention/layer_norm/beta",
                                      "self_attention/linear_0/weight", "self_attention/linear_0/bias",
                                      "self_attention/linear_1/weight", "self_attention/linear_1/bias",
                                      "ffn/layer_norm/gamma", "ffn/layer_norm/beta", "ffn/linear_0/weight", "ffn/linear_0/bias",
                                      "ffn/linear_1/weight", "ffn/linear_1/bias"]
    /// Per decoder layer: the encoder layer's parts plus cross-attention (query, fused key/value, output).
    public static let decoderLayer = encoderLayer + ["attention/layer_norm/gamma", "attention/layer_norm/beta",
                                                     "attention/linear_0/weight", "attention/linear_0/bias",
                                                     "attention/linear_1/weight", "attention/linear_1/bias",
                                                     "attention/linear_2/weight", "attention/linear_2/bias"]
    /// Scalars the model checks rather than reads as weights.
    public static let scalars = ["encoder/num_heads", "decoder/num_heads", "decoder/activation", "decoder/alibi",
                                 "decoder/alignment_heads", "decoder/alignment_layer", "decoder/pre_norm",
                                 "decoder/scale_embeddings", "decoder/start_from_zero_embedding"]

    public static func encoder(_ layer: Int, _ part: String) -> String { "encoder/layer_\(layer)/\(part)" }
    public static func decoder(_ layer: Int, _ part: String) -> String { "decoder/layer_\(layer)/\(part)" }

    /// Every weight variable of a model of `config`.
    public static func all(_ config: WhisperConfig) -> [String] {
        encoderGlobals + decoderGlobals
            + (0..<config.encoderLayers).flatMap { l in encoderLayer.map { encoder(l, $0) } }
            + (0..<config.decoderLayers).flatMap { l in decoderLayer.map { decoder(l, $0) } }
    }

    /// Refuses a decoder this implementation does not compute (other activation, norms or embeddings).
    static func checkScalars(_ file: CTranslate2File) throws {
        let expected: [(String, Int)] = [("decoder/activation", 3), ("decoder/pre_norm", 1), ("decoder/scale_embeddings", 0),
                                         ("decoder/alibi", 0), ("decoder/start_from_zero_embedding", 0)]
        for (name, value) in expected where file.variable(named: name) != nil {
            let found = try file.integer(named: name)
            guard found == value else {
                throw WhisperError("\(name) is \(found), this Whisper implementation computes \(value) (exact GELU, pre-norm, unscaled learned embeddings); convert the model with the standard Whisper converter")
            }
        }
    }
}
