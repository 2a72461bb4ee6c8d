import XCTest
import Formats
@testable import Models
import NN
import Tensor

/// The inference engine and the trainable model built from the same tiny GGUF file agree,
/// and the trainable model passes gradients to LoRA adapters and input embeddings.
final class LlamaEquivalenceTests: XCTestCase {
    /// Long enough for prefill to take the packed-panel products (see `QuantizedMatrix.matvecBelowRows`).
    let tokens = [3, 17, 42, 5, 63, 0, 8, 29, 11, 50, 7, 7, 19, 33, 2, 61, 40, 12, 9, 26, 58, 1, 44, 30]

    private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    func testEngineMatchesTrainingModelForEveryWeightType() throws {
        try checkEngineAgainstTrainingModel([(.f32, false), (.q8_0, true), (.q4_1, false), (.f16, true)], architecture: "llama")
    }

    /// Qwen2: biases on the query, key and value projections, rotary pairs split in halves.
    func testQwen2LayoutMatchesTheTrainingModel() throws {
        let config = try LlamaConfig(gguf: TinyLlamaGGUF.file(architecture: "qwen2"))
        XCTAssertTrue(config.attentionBias)
        XCTAssertEqual(config.ropeLayout, .halfSplit)
        XCTAssertNotNil(try LlamaModel.load(gguf: TinyLlamaGGUF.file(architecture: "qwen2")).parameter(named: "layers.1.attention.wk.bias"))
        try checkEngineAgainstTrainingModel([(.f32, true), (.q4_1, false)], architecture: "qwen2")
    }

    /// Llama 3 files divide the rotary frequencies by per-pair factors (`rope_freqs.weight`).
    func testRotaryFrequencyFactorsAreReadAndApplied() throws {
        let factors = (0..<TinyLlamaGGUF.config.headDim / 2).map { Float(1 + $0 % 4) }
        let file = try TinyLlamaGGUF.file(type: .f32, ropeFactors: factors)
        XCTAssertEqual(try LlamaConfig(gguf: file).ropeFrequencyFactors, factors)
        XCTAssertEqual(RoPE.angle(position: 3, pair: 2, rotaryDim: 8, base: 10_000, factors: [1, 1, 4, 1]),
                       3 * Foundation.pow(10_000, -0.5) / 4, accuracy: 1e-12)
        try checkEngineAgainstTrainingModel([(.f32, false), (.q4_1, true)], architecture: "llama", ropeFactors: factors)
        let plain = try LlamaInference(file: TinyLlamaGGUF.file(type: .f32)).logitsOfEveryPosition(tokens)
        let scaled = try LlamaInference(file: file).logitsOfEveryPosition(tokens)
        XCTAssertGreaterThan(maxDifference(plain, scaled), 1e-3, "the factors change the logits")
        XCTAssertThrowsError(try LlamaConfig(gguf: TinyLlamaGGUF.file(ropeFactors: [1, 2, 3]))) {
            XCTAssertTrue("\($0)".contains("rope_freqs.weight"), "\($0)")
        }
    }

    /// Linear rotary scaling divides every frequency by its factor, on top of `rope_freqs`; other kinds are refused.
    func testLinearRotaryScaling() throws {
        func config(_ metadata: [String: GGUFValue], factors: [Float]? = nil) throws -> LlamaConfig {
            try LlamaConfig(gguf: GGUFFile(data: TinyLlamaGGUF.data(ropeFactors: factors, metadata: metadata)))
        }
        let pairs = TinyLlamaGGUF.config.headDim / 2
        let linear: [String: GGUFValue] = ["llama.rope.scaling.type": .string("linear"), "llama.rope.scaling.factor": .float32(2)]
        XCTAssertEqual(try config(linear).ropeFrequencyFactors, Array(repeating: 2, count: pairs))
        XCTAssertEqual(try config(linear, factors: Array(repeating: 3, count: pairs)).ropeFrequencyFactors, Array(repeating: 6, count: pairs))
        XCTAssertEqual(try config(["llama.rope.scale_linear": .float32(4)]).ropeFrequencyFactors, Array(repeating: 4, count: pairs))
        XCTAssertNil(try config(["llama.rope.scaling.type": .string("none")]).ropeFrequencyFactors)
        XCTAssertThrowsError(try config(["llama.rope.scaling.type": .string("yarn"), "llama.rope.scaling.factor": .float32(4)])) {
            XCTAssertTrue("\($0)".contains("rotary scaling 'yarn' is not supported"), "\($0)")
        }
    }

    private func checkEngineAgainstTrainingModel(_ variants: [(GGMLType, Bool)], architecture: String, ropeFactors: [Float]? = nil) throws {
        for (type, tied) in variants {
            let file = try TinyLlamaGGUF.file(type: type, tied: tied, architecture: architecture, ropeFactors: ropeFactors)
            let model = try LlamaModel.load(gguf: file)
            XCTAssertEqual(model.config.tiedEmbeddings, tied)
            XCTAssertEqual(model.output == nil, tied)
            let engine = try LlamaInference(file: file)
            let fast = try engine.logitsOfEveryPosition(tokens)
            let reference = Autograd.noGrad { model(tokens.map(Int32.init), shape: [1, tokens.count]) }
            let diff = maxDifference(fast, reference.scalars)
            print("tiny \(architecture) \(type) tied=\(tied): engine vs training model max |Δlogit| = \(diff)")
            XCTAssertLessThan(diff, 1e-4, "\(type)")
            // Prefill attention in several query blocks, shared out between the threads.
            LlamaInference.queryBlock = 5
            defer { LlamaInference.queryBlock = 128 }
            engine.reset()
            XCTAssertLessThan(maxDifference(try engine.logitsOfEveryPosition(tokens), reference.scalars), 1e-4, "\(type), blocks of 5")
            LlamaInference.queryBlock = 128
            // Prefill in chunks of 7 positions.
            LlamaInference.prefillChunk = 7
            defer { LlamaInference.prefillChunk = 512 }
            engine.reset()
            XCTAssertLessThan(maxDifference(try engine.logitsOfEveryPosition(tokens), reference.scalars), 1e-4, "\(type), chunks of 7")
            LlamaInference.prefillChunk = 512
            // Prefill alone updates only the last position in the last block, yet stores every key and
            // value there: the next token's logits are those of the whole sequence.
            let v = TinyLlamaGGUF.config.vocabSize, n = tokens.count
            engine.reset()
            XCTAssertLessThan(maxDifference(Array(try engine.prefill(Array(tokens[..<(n - 1)]))), Array(fast[((n - 2) * v)..<((n - 1) * v)])),
                              1e-4, "\(type), prefill")
            XCTAssertLessThan(maxDifference(Array(try engine.step(tokens[n - 1])), Array(fast[((n - 1) * v)...])), 1e-4, "\(type), step after prefill")
            // Prefill a few tokens, then decode one by one: same logits at every position, with decode
            // attention on one worker and split between workers.
            for split in [Int.max, 1] {
                LlamaInference.splitAttentionFrom = split
                defer { LlamaInference.splitAttentionFrom = 2048 }
                engine.reset()
                var stepped = Array(try engine.prefill(Array(tokens[..<3])))
                for t in tokens[3...] { stepped += Array(try engine.step(t)) }
                XCTAssertLessThan(maxDifference(stepped, Array(fast[(2 * v)...])), 1e-4, "\(type), split from \(split)")
                XCTAssertEqual(engine.position, tokens.count)
            }
        }
    }

    func testInputEmbeddingsGiveTheSameLogitsAsTokens() throws {
        let file = try TinyLlamaGGUF.file()
        let engine = try LlamaInference(file: file)
        let byTokens = Array(try engine.prefill(tokens))
        engine.reset()
        let rows = try tokens.flatMap { try engine.embedding(of: $0) }
        let byEmbeddings = Array(try engine.prefill(embeddings: rows))
        XCTAssertEqual(byTokens, byEmbeddings)
        XCTAssertThrowsError(try engine.prefill(embeddings: [1, 2, 3]))
        XCTAssertThrowsError(try engine.step(64))
    }

    func testGradientsReachLoRAAndInputEmbeddings() throws {
        let model = try LlamaModel.load(gguf: TinyLlamaGGUF.file(type: .f32))
        model.addLoRA(rank: 2, alpha: 4, on: [.q, .v], seed: 1)
        let trainable = model.trainableParameters.map(\.0)
        XCTAssertEqual(trainable.count, 2 * 2 * 2, "A and B of q and v in two layers: \(trainable)")
        XCTAssertTrue(trainable.allSatisfy { $0.contains("lora") })
        // Give B values so that A's gradient is not zero as well.
        var rng = SeededRandom(seed: 9)
        for (name, p) in model.trainableParameters where name.hasSuffix("lora.b") {
            for i in 0..<p.count { p.data[i] = 0.1 * rng.normal() }
        }
        let ids: [Int32] = [3, 17, 42, 5]
        let embeddings = Autograd.noGrad { model.embed(ids, shape: [1, 4]) }.detached()
        let targets: [Int32] = [17, 42, 5, 63]
        let lora = model.linear(.q, layer: 0).lora!
        // Finite differences on the input embeddings and on one adapter's B.
        let report = GradCheck.check([embeddings, lora.b]) { inputs in
            model.logits(embeddings: inputs[0]).crossEntropy(targets: targets)
        }
        print("LoRA/embedding gradient check: \(report)")
        XCTAssertTrue(report.passed, report.description)
        // A few optimisation steps on LoRA alone lower the loss; base weights do not move.
        let base = model.linear(.q, layer: 0).weight.scalars
        let params = model.trainableParameters.map(\.1)
        func loss() -> Tensor { model.languageModelLoss([3, 17, 42, 5, 63], batch: 1) }
        let before = Autograd.noGrad { loss().scalars[0] }
        for _ in 0..<20 {
            for p in params { p.zeroGrad() }
            loss().backward()
            for p in params { if let g = p.grad { for i in 0..<p.count { p.data[i] -= 0.05 * g.data[i] } } }
        }
        let after = Autograd.noGrad { loss().scalars[0] }
        print("LoRA training loss \(before) -> \(after)")
        XCTAssertLessThan(after, before - 0.1)
        XCTAssertEqual(model.linear(.q, layer: 0).weight.scalars, base)
    }

    func testLastPositionsMatchTheFullSequence() throws {
        let model = try LlamaModel.load(gguf: TinyLlamaGGUF.file(type: .f32))
        model.addLoRA(rank: 2, alpha: 4, on: [.q, .v], seed: 1)
        var rng = SeededRandom(seed: 3)
        for (name, p) in model.trainableParameters where name.hasSuffix("lora.b") {
            for i in 0..<p.count { p.data[i] = 0.1 * rng.normal() }
        }
        let ids: [Int32] = [3, 17, 42, 5, 9, 11, 2, 60]
        let embeddings = Autograd.noGrad { model.embed(ids, shape: [2, 4]) }.detached()
        embeddings.requiresGrad = true
        let params = [embeddings] + model.trainableParameters.map(\.1)
        func gradients(_ hidden: () -> Tensor) -> (values: [Float], grads: [[Float]]) {
            for p in params { p.zeroGrad() }
            let h = hidden()
            h.sum().backward()
            return (h.scalars, params.map { $0.grad?.scalars ?? [] })
        }
        let full = gradients { model.hiddenStates(embeddings: embeddings).slice(axis: 1, start: 1, length: 3) }
        let last = gradients { model.hiddenStates(embeddings: embeddings, lastPositions: 3) }
        XCTAssertLessThan(maxDifference(full.values, last.values), 1e-5)
        for (a, b) in zip(full.grads, last.grads) { XCTAssertLessThan(maxDifference(a, b), 1e-4) }
    }

    func testUnsupportedArchitectureAndMissingTensorsAreReported() throws {
        let gpt = try GGUFFile(data: TinyLlamaGGUF.data(architecture: "gpt2"))
        XCTAssertThrowsError(try LlamaInference(file: gpt)) { error in
            XCTAssertEqual(error as? LlamaError, .unsupportedArchitecture("gpt2"))
            XCTAssertTrue("\(error)".contains("llama"))
        }
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("llama.embedding_length", .uint32(64))
        XCTAssertThrowsError(try LlamaInference(file: GGUFFile(data: w.data()))) { error in
            XCTAssertTrue("\(error)".contains("is missing"), "\(error)")
        }
    }
}
