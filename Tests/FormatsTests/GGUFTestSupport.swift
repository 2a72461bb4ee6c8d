import Foundation
@testable import Formats
import Tensor

extension SeededRandom {
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in Float.random(in: -scale...scale, using: &self) }
    }
}

enum GGUFSamples {
    /// A small file with metadata of several types (arrays, nested arrays) and three tensors of
    /// different types: F32 [3, 64], Q8_0 [2, 64], Q4_1 [4, 32].
    static func smallFile(seed: UInt64 = 1) throws -> (data: Data, values: [String: [Float]]) {
        var rng = SeededRandom(seed: seed)
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("llama.block_count", .uint32(2))
        writer.set("llama.rope.freq_base", .float32(10000))
        writer.set("sample.flag", .bool(false))
        writer.set("sample.big", .int64(-1 << 40))
        writer.set("sample.ratio", .float64(0.125))
        writer.set("tokenizer.ggml.tokens", .array(["<s>", "a", "bc", "déf"].map(GGUFValue.string)))
        writer.set("tokenizer.ggml.scores", .array([0.5, -1, 2].map(GGUFValue.float32)))
        writer.set("sample.nested", .array([.array([.uint8(1)]), .array([.uint8(2), .uint8(3)])]))
        var values: [String: [Float]] = [:]
        for (name, shape, type) in [("a.f32", [3, 64], GGMLType.f32), ("b.q8_0", [2, 64], .q8_0), ("c.q4_1", [4, 32], .q4_1)] {
            let v = rng.floats(shape.reduce(1, *))
            values[name] = v
            try writer.addTensor(name: name, shape: shape, values: v, type: type)
        }
        return (try writer.data(), values)
    }
}
