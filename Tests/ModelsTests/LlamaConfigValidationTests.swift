import Foundation
import Formats
@testable import Models
import NN
import Tensor
import XCTest

/// Sizes from a user's file (GGUF metadata, a saved JSON config) or a user's request are checked before
/// they size anything: a clear error instead of a crash or an enormous allocation.
final class LlamaConfigValidationTests: XCTestCase {
    /// The tiny GGUF model with some metadata replaced.
    func file(_ metadata: [String: GGUFValue]) throws -> GGUFFile {
        try GGUFFile(data: TinyLlamaGGUF.data(type: .f32, metadata: metadata))
    }

    /// Both ways of loading a GGUF model fail with a `LlamaError` whose description contains `expected`.
    func assertBothLoadersReject(_ metadata: [String: GGUFValue], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let gguf = try self.file(metadata)
        XCTAssertThrowsError(try LlamaModel.load(gguf: gguf), file: file, line: line) { error in
            XCTAssertTrue(error is LlamaError && "\(error)".contains(expected), "\(metadata): \(error)", file: file, line: line)
        }
        XCTAssertThrowsError(try LlamaInference(file: gguf), file: file, line: line) { error in
            XCTAssertTrue(error is LlamaError && "\(error)".contains(expected), "\(metadata): \(error)", file: file, line: line)
        }
    }

    func testGGUFHeadCountsThatCannotSplitTheWidthAreRejected() throws {
        try assertBothLoadersReject(["llama.attention.head_count": .uint32(0)], "llama.attention.head_count is 0")
        try assertBothLoadersReject(["llama.attention.head_count_kv": .uint32(0)], "attention.head_count_kv is 0, but it must be at least 1")
        try assertBothLoadersReject(["llama.attention.head_count": .uint32(5)], "do not divide evenly")
        try assertBothLoadersReject(["llama.attention.head_count_kv": .uint32(3)], "do not divide evenly")
    }

    func testGGUFSizesBeyondTheFilesTensorsAreRejectedBeforeAllocating() throws {
        try assertBothLoadersReject(["llama.block_count": .uint32(1_000_000_000)],
                                    "block_count is 1000000000, but the file holds 21 tensors, enough for at most 2 blocks")
        // A feed-forward width of 2^40 would ask for terabytes if the model were built before its tensors were checked.
        try assertBothLoadersReject(["llama.feed_forward_length": .uint64(1 << 40)], "tensor blk.0.ffn_gate.weight has shape [96, 64]")
        try assertBothLoadersReject(["llama.context_length": .int32(0)], "context_length is 0")
        try assertBothLoadersReject(["llama.rope.freq_base": .float32(.nan)], "rope.freq_base is nan")
    }

    func testAKVCacheLargerThanMemoryIsAnError() throws {
        let gguf = try file(["llama.context_length": .uint64(UInt64(Int.max))])
        XCTAssertThrowsError(try LlamaInference(file: gguf, capacity: 1 << 45)) { error in
            XCTAssertTrue("\(error)".contains("a KV cache of 35184372088832 positions for 2 layers needs"), "\(error)")
            XCTAssertTrue("\(error)".contains("ask for fewer positions"), "\(error)")
        }
        XCTAssertThrowsError(try LlamaInference(file: gguf, capacity: .max)) { error in
            XCTAssertTrue("\(error)".contains("more than 2^63 bytes"), "\(error)")
        }
        // A context length that large is fine as long as the cache asked for is not.
        XCTAssertEqual(try LlamaInference(file: gguf, capacity: 64).capacity, 64)
    }

    /// Weights saved from a model of another shape: the load names the tensor and both shapes, and copies nothing.
    func testSafetensorsWeightsOfAnotherShapeAreRejectedByName() throws {
        let config = LlamaConfig.tiny(vocabSize: 40)
        let model = LlamaModel(config, seed: 1), other = LlamaModel(LlamaConfig.tiny(vocabSize: 41), seed: 2)
        let data = try Safetensors.encode(other.namedParameters.map { try SafetensorsRecord(name: $0.0, tensor: $0.1) })
        let before = model.embedding.weight.scalars
        XCTAssertThrowsError(try model.load(parameters: Safetensors.parse(data).tensorsByName())) { error in
            XCTAssertTrue(error is StateDictError, "\(error)")
            XCTAssertTrue("\(error)".contains("'embedding.weight' (model [40, 64], given [41, 64])"), "\(error)")
            XCTAssertTrue("\(error)".contains("check that the checkpoint belongs to this model"), "\(error)")
        }
        XCTAssertEqual(model.embedding.weight.scalars, before)
    }

    func testSavedJSONConfigsWithUnusableSizesAreDecodingErrors() throws {
        let valid = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(LlamaConfig.tiny(vocabSize: 40))) as? [String: Any])
        for (key, value, expected) in [("attention.head_count", 0, "attention.head_count is 0"), ("attention.head_count_kv", -2, "is -2"),
                                       ("embedding_length", 66, "do not divide evenly"), ("vocab_size", 0, "vocab_size is 0"),
                                       ("block_count", 0, "block_count is 0"), ("context_length", 0, "context_length is 0")] {
            var broken = valid
            broken[key] = value
            XCTAssertThrowsError(try JSONDecoder().decode(LlamaConfig.self, from: JSONSerialization.data(withJSONObject: broken)), key) { error in
                guard case DecodingError.dataCorrupted(let context) = error else { return XCTFail("\(key): \(error)") }
                XCTAssertTrue(context.debugDescription.contains(expected), "\(key): \(context.debugDescription)")
                XCTAssertTrue(context.debugDescription.hasSuffix("correct the saved model config or write it again"))
            }
        }
    }
}
