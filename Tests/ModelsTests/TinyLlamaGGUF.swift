import Foundation
import Formats
@testable import Models
import Tensor

/// A tiny random Llama written as a GGUF file in memory, for checks that need no downloaded model.
enum TinyLlamaGGUF {
    static let config = LlamaConfig(vocabSize: 64, dim: 64, layers: 2, heads: 4, kvHeads: 2, ffnDim: 96,
                                    ropeBase: 10_000, normEps: 1e-5, tiedEmbeddings: false, contextLength: 128)

    /// The file's bytes: matrices as `type`, norms (and Qwen2's attention biases) as F32, an output
    /// matrix unless `tied`.
    static func data(type: GGMLType = .q8_0, tied: Bool = false, architecture: String = "llama", ropeFactors: [Float]? = nil,
                     metadata: [String: GGUFValue] = [:], seed: UInt64 = 3) throws -> Data {
        var c = config
        c.tiedEmbeddings = tied
        c.attentionBias = architecture == "qwen2"
        var w = GGUFWriter()
        w.set("general.architecture", .string(architecture))
        w.set("\(architecture).embedding_length", .uint32(UInt32(c.dim)))
        w.set("\(architecture).block_count", .uint32(UInt32(c.layers)))
        w.set("\(architecture).attention.head_count", .uint32(UInt32(c.heads)))
        w.set("\(architecture).attention.head_count_kv", .uint32(UInt32(c.kvHeads)))
        w.set("\(architecture).feed_forward_length", .uint32(UInt32(c.ffnDim)))
        w.set("\(architecture).rope.freq_base", .float32(c.ropeBase))
        w.set("\(architecture).rope.dimension_count", .uint32(UInt32(c.headDim)))
        w.set("\(architecture).attention.layer_norm_rms_epsilon", .float32(c.normEps))
        w.set("\(architecture).context_length", .uint32(UInt32(c.contextLength)))
        w.set("\(architecture).vocab_size", .uint32(UInt32(c.vocabSize)))
        for (key, value) in metadata { w.set(key, value) }
        var rng = SeededRandom(seed: seed)
        for entry in LlamaTensorTable.entries(c) {
            let count = entry.shape.reduce(1, *)
            if entry.shape.count == 1 {
                let values = (0..<count).map { _ in 1 + 0.2 * rng.normal() }
                try w.addTensor(name: entry.gguf, shape: entry.shape, values: values, type: .f32)
            } else {
                let std: Float = entry.gguf == LlamaTensorTable.tokenEmbedding ? 1 : 1 / Float(entry.shape[1]).squareRoot()
                let values = (0..<count).map { _ in std * rng.normal() }
                try w.addTensor(name: entry.gguf, shape: entry.shape, values: values, type: type)
            }
        }
        if let ropeFactors { try w.addTensor(name: LlamaTensorTable.ropeFrequencies, shape: [ropeFactors.count], values: ropeFactors, type: .f32) }
        return try w.data()
    }

    static func file(type: GGMLType = .q8_0, tied: Bool = false, architecture: String = "llama", ropeFactors: [Float]? = nil) throws -> GGUFFile {
        try GGUFFile(data: data(type: type, tied: tied, architecture: architecture, ropeFactors: ropeFactors))
    }
}
