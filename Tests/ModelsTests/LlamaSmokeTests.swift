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
