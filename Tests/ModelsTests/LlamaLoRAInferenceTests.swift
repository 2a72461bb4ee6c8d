import XCTest
import Formats
@testable import Models
import NN
import Tensor

/// The inference engine with a trained model's LoRA adapters gives that model's logits in every path.
final class LlamaLoRAInferenceTests: XCTestCase {
    /// Long enough for prefill to take the packed-panel products.
    let tokens = [3, 17, 42, 5, 63, 0, 8, 29, 11, 50, 7, 7, 19, 33, 2, 61, 40, 12, 9, 26, 58, 1, 44, 30]
    let tolerance: Float = 1e-4

    private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// The model of `file` with adapters of rank 3 on every projection, B drawn non-zero (as if trained).
    private func trainedModel(_ file: GGUFFile, on projections: Set<LlamaProjection> = Set(LlamaProjection.allCases)) throws -> LlamaModel {
        let model = try LlamaModel.load(gguf: file)
        model.addLoRA(rank: 3, alpha: 6, on: projections, seed: 5)
        var rng = SeededRandom(seed: 6)
        for (name, p) in model.trainableParameters where name.hasSuffix("lora.b") {
            for i in 0..<p.count { p.data[i] = 0.1 * rng.normal() }
        }
        return model
    }

    func testEngineWithLoRAMatchesTheTrainingModelInEveryPath() throws {
        for (type, tied) in [(GGMLType.q8_0, false), (.q4_1, true)] {
            let file = try TinyLlamaGGUF.file(type: type, tied: tied)
            let model = try trainedModel(file)
            let engine = try LlamaInference(file: file, capacity: 32)
            let base = try engine.logitsOfEveryPosition(tokens)
            try engine.apply(lora: LlamaLoRAWeights(model: model))
            let reference = Autograd.noGrad { model(tokens.map(Int32.init), shape: [1, tokens.count]) }.scalars
            XCTAssertGreaterThan(maxDifference(base, reference), 0.1, "the adapters change the logits")
            let v = TinyLlamaGGUF.config.vocabSize, n = tokens.count
            func row(_ i: Int) -> [Float] { Array(reference[(i * v)..<((i + 1) * v)]) }
            // Every position at once.
            engine.reset()
            XCTAssertLessThan(maxDifference(try engine.logitsOfEveryPosition(tokens), reference), tolerance, "\(type): every position")
            // Prefill, then one step.
            engine.reset()
            XCTAssertLessThan(maxDifference(Array(try engine.prefill(Array(tokens[..<(n - 1)]))), row(n - 2)), tolerance, "\(type): prefill")
            XCTAssertLessThan(maxDifference(Array(try engine.step(tokens[n - 1])), row(n - 1)), tolerance, "\(type): step")
            // Input embeddings (as speech embeddings are spliced in), then steps one by one.
            engine.reset()
            let rows = try tokens[..<3].flatMap { try engine.embedding(of: $0) }
            var stepped = Array(try engine.prefill(embeddings: rows))
            for t in tokens[3...] { stepped += Array(try engine.step(t)) }
            XCTAssertLessThan(maxDifference(stepped, Array(reference[(2 * v)...])), tolerance, "\(type): embeddings, then steps")
            // Batched decode on engines sharing the weights: each sequence gets the model's logits.
            let slots = try (0..<3).map { _ in try LlamaInference(sharingWeightsOf: engine, capacity: 32) }
            for (i, slot) in slots.enumerated() { try slot.prefill(Array(tokens[..<(2 + i)])) }
            for step in 0..<4 {
                try LlamaInference.step(slots, tokens: slots.indices.map { tokens[2 + $0 + step] })
                for (i, slot) in slots.enumerated() {
                    XCTAssertLessThan(maxDifference(Array(slot.lastLogits), row(2 + i + step)), tolerance, "\(type): batch slot \(i), step \(step)")
                }
            }
            // Without the adapters, the base logits come back bit for bit.
            engine.removeLoRA()
            engine.reset()
            XCTAssertNil(engine.lora)
            XCTAssertEqual(try engine.logitsOfEveryPosition(tokens), base)
        }
    }

    /// Engines in one batch may carry different adapters; each gives what it gives alone.
    func testBatchedEnginesKeepTheirOwnAdapters() throws {
        let file = try TinyLlamaGGUF.file(type: .q4_1)
        let plain = try LlamaInference(file: file, capacity: 16)
        let adapted = try LlamaInference(sharingWeightsOf: plain)
        try adapted.apply(lora: LlamaLoRAWeights(model: trainedModel(file, on: [.q, .v])))
        var alone: [[Float]] = []
        for e in [plain, adapted] {
            try e.prefill([1, 2, 3])
            alone.append(Array(try e.step(4)))
            e.reset()
            try e.prefill([1, 2, 3])
        }
        try LlamaInference.step([plain, adapted], tokens: [4, 4])
        XCTAssertEqual(Array(plain.lastLogits), alone[0])
        XCTAssertEqual(Array(adapted.lastLogits), alone[1])
        XCTAssertNotEqual(alone[0], alone[1])
        let copy = try LlamaInference(sharingWeightsOf: plain)
        XCTAssertThrowsError(try copy.copyPositions(2, from: adapted)) { XCTAssertTrue("\($0)".contains("LoRA"), "\($0)") }
    }

    func testAdaptersOfAnotherShapeAreRefused() throws {
        let file = try TinyLlamaGGUF.file()
        let engine = try LlamaInference(file: file, capacity: 16)
        // Same width, wider feed-forward (172 against 96).
        let other = LlamaModel(LlamaConfig.tiny(vocabSize: 64))
        other.addLoRA(rank: 2, alpha: 2, on: [.gate])
        XCTAssertThrowsError(try engine.apply(lora: LlamaLoRAWeights(model: other))) { error in
            XCTAssertTrue("\(error)".contains("gate in block 0 maps 64 → 172"), "\(error)")
            XCTAssertTrue("\(error)".contains("same architecture"), "\(error)")
        }
        XCTAssertNil(engine.lora, "a refused LoRA changes nothing")
        XCTAssertThrowsError(try engine.apply(lora: LlamaLoRAWeights(layers: [[:]]))) { XCTAssertTrue("\($0)".contains("1 blocks"), "\($0)") }
        XCTAssertThrowsError(try LlamaLoRAWeights.Adapter(a: [1, 2, 3], b: [1, 2], rank: 2, scale: 1)) {
            XCTAssertTrue("\($0)".contains("A [rank, in]"), "\($0)")
        }
        XCTAssertThrowsError(try LlamaLoRAWeights(model: LlamaModel.load(gguf: file))) { XCTAssertTrue("\($0)".contains("addLoRA"), "\($0)") }
    }

    /// SmolLM2 with a random rank-8 LoRA on q and v, applied after the batch was made: the slots
    /// answer as the generator does alone, and without the LoRA as before it.
    func testBatchGeneratorAnswersWithTheGeneratorsLoRA() throws {
        let generator = try LlamaGenerator(url: ModelStore.resolve("smollm2"), capacity: 96)
        let c = generator.engine.config
        var rng = SeededRandom(seed: 4)
        func adapter(_ p: LlamaProjection) throws -> LlamaLoRAWeights.Adapter {
            let (outs, ins) = p.shape(c)
            return try .init(a: (0..<(8 * ins)).map { _ in 0.05 * rng.normal() }, b: (0..<(outs * 8)).map { _ in 0.05 * rng.normal() },
                             rank: 8, scale: 2)
        }
        let lora = LlamaLoRAWeights(layers: try (0..<c.layers).map { _ in [.q: try adapter(.q), .v: try adapter(.v)] })
        let prompts = ["The capital of France is", "Once upon a time", "2 + 2 ="].map { generator.tokenizer.encode($0) }
        let options = GenerationOptions(maxTokens: 12, sampling: .greedy)
        let batch = try BatchGenerator(generator: generator, slots: 2, capacity: 96)
        func answers(alone: Bool) throws -> [[Int]] {
            if alone {
                return try prompts.map { generator.engine.reset(); return try generator.generate(appending: $0, options: options).tokens }
            }
            var out = [[Int]](repeating: [], count: prompts.count)
            try batch.generate(count: prompts.count, prompt: { prompts[$0] }, options: options) { out[$0] = $1.tokens }
            return out
        }
        let base = try answers(alone: false)
        try generator.engine.apply(lora: lora)
        let adapted = try answers(alone: true)
        XCTAssertNotEqual(adapted, base, "the LoRA changes the answers")
        XCTAssertEqual(try answers(alone: false), adapted)
        generator.engine.removeLoRA()
        XCTAssertEqual(try answers(alone: false), base)
    }
}
