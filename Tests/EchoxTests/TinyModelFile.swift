import Foundation
import Formats
import Models

/// A tiny random Llama written as a GGUF file, for running the executable on a model without a download.
enum TinyModelFile {
    /// Writes the model to `url`: vocabulary `vocab`, width 32, one layer, 4 heads over 2 key/value heads.
    static func write(to url: URL, vocab: Int) throws {
        let config = LlamaConfig(vocabSize: vocab, dim: 32, layers: 1, heads: 4, kvHeads: 2, ffnDim: 64, contextLength: 256)
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        for (key, value) in [("embedding_length", config.dim), ("block_count", config.layers), ("attention.head_count", config.heads),
                             ("attention.head_count_kv", config.kvHeads), ("feed_forward_length", config.ffnDim),
                             ("context_length", config.contextLength), ("vocab_size", config.vocabSize)] {
            w.set("llama.\(key)", .uint32(UInt32(value)))
        }
        var state: UInt64 = 0x9E37_79B9
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(state >> 40) - (1 << 23)) / Float(1 << 23)
        }
        for entry in LlamaTensorTable.entries(config) {
            let count = entry.shape.reduce(1, *)
            let values = entry.shape.count == 1 ? [Float](repeating: 1, count: count) : (0..<count).map { _ in 0.2 * next() }
            try w.addTensor(name: entry.gguf, shape: entry.shape, values: values, type: .f32)
        }
        try w.write(to: url)
    }
}
