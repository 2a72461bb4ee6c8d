import Foundation
import Models
import NN
import Tensor
import XCTest

/// The Llama model on a tiny configuration: shapes, cached decoding, and model-store errors.
final class LlamaSmokeTests: XCTestCase {
    func testForwardShapeAndCachedDecodingAgree() {
        let model = LlamaModel(LlamaConfig(vocabSize: 50, dim: 32, layers: 2, heads: 4, kvHeads: 2, ffnDim: 64, contextLength: 16), seed: 3)
        let ids: [Int32] = [1, 7, 3, 9, 4]
        let full = Autograd.noGrad { model(ids, shape: [1, 5]) }
        XCTAssertEqual(full.shape, [1, 5, 50])
        let caches = model.makeCaches()
        var incremental: [Float] = []
        Autograd.noGrad {
            incremental += model(Array(ids.prefix(3)), shape: [1, 3], caches: caches).scalars
            for id in ids.dropFirst(3) { incremental += model([id], shape: [1, 1], caches: caches).scalars }
        }
        for (a, b) in zip(full.scalars, incremental) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    /// Configs round-trip through JSON; ones written before the newer keys still load, and wrong
    /// rotary factors are a decoding error rather than a crash later.
    func testConfigJSONRoundTripsAndChecksRotaryFactors() throws {
        var config = LlamaConfig.tiny(vocabSize: 40)
        config.attentionBias = true
        config.ropeFrequencyFactors = Array(repeating: 2, count: config.headDim / 2)
        let data = try JSONEncoder().encode(config)
        XCTAssertEqual(try JSONDecoder().decode(LlamaConfig.self, from: data), config)

        var old = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        old["attention.bias"] = nil
        old["rope.freq_factors"] = nil
        let decoded = try JSONDecoder().decode(LlamaConfig.self, from: JSONSerialization.data(withJSONObject: old))
        XCTAssertFalse(decoded.attentionBias)
        XCTAssertNil(decoded.ropeFrequencyFactors)

        old["rope.freq_factors"] = [1, 2, 3]
        XCTAssertThrowsError(try JSONDecoder().decode(LlamaConfig.self, from: JSONSerialization.data(withJSONObject: old))) {
            XCTAssertTrue("\($0)".contains("rotary frequency factors"), "\($0)")
        }
    }

    func testTiedEmbeddingsHaveNoOutputMatrix() {
        var config = LlamaConfig.tiny(vocabSize: 40)
        config.tiedEmbeddings = true
        let model = LlamaModel(config)
        XCTAssertNil(model.output)
        XCTAssertFalse(model.namedParameters.contains { $0.0.hasPrefix("output") })
    }

    func testUnknownModelNamesGiveTheFix() {
        XCTAssertThrowsError(try ModelStore.resolve("/no/such/model.gguf")) { error in
            XCTAssertTrue("\(error)".contains("smollm2"), "\(error)")
        }
        XCTAssertThrowsError(try ModelStore.fetch("nonexistent")) { error in
            XCTAssertTrue("\(error)".contains("known models"), "\(error)")
        }
    }
}
