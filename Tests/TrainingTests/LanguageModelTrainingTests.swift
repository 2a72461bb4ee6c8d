import XCTest
import Models
import Optim
import Tensor
import Tokenizers
import Training

/// A language-model job of the trainer framework on the tiny Llama.
func tinyLanguageModelJob(seed: UInt64 = 1, steps: Int = 200, dropout: Float = 0, accumulation: Int = 1,
                          batch: Int = 8, sequence: Int = 64) throws -> GradientTrainer {
    let model = LlamaModel(.tiny(vocabSize: 256), seed: seed)
    model.setDropout(dropout)
    var config = OptimizationConfig.languageModel()
    config.totalSteps = steps
    config.warmupSteps = min(20, steps / 4)
    config.accumulation = accumulation
    config.seed = seed
    let task = try LanguageModelTask(model: model, data: TokenStream(tokens: ByteTokenizer().encode(TinyText.paragraphs)),
                                     batch: batch, sequenceLength: sequence, decode: { String(decoding: $0.map { UInt8($0) }, as: UTF8.self) })
    return GradientTrainer(task: task, config: config)
}

final class LanguageModelTrainingTests: XCTestCase {
    /// The tiny Llama learns a small text: its loss falls from ln(256) ≈ 5.5 to below 1.6 nats per byte.
    func testTinyLlamaLossFalls() throws {
        let trainer = try tinyLanguageModelJob()
        let task = trainer.task as! LanguageModelTask
        let before = task.evaluate()
        var last: StepReport?
        for _ in 0..<200 { last = try trainer.step() }
        let after = task.evaluate()
        print("tiny Llama: loss \(before) → \(after) after 200 steps, last grad norm \(last!.gradNorm ?? .nan)")
        XCTAssertGreaterThan(before, 5.0)
        XCTAssertLessThan(after, 1.6)
        // The step's sample shows the text it read and what the model predicted.
        let sample = try XCTUnwrap(trainer.lastSample)
        XCTAssertEqual(sample.step, 200)
        XCTAssertEqual(sample.fields.map(\.name), ["input", "target", "predicted"])
        XCTAssertTrue(TinyText.paragraphs.contains(sample.fields[0].value))
    }

    /// Parameter groups scale the rate and the decay of their own parameters only.
    func testParameterGroupsHaveTheirOwnRateAndDecay() {
        let a = Tensor([1, 1], shape: [2], requiresGrad: true), b = Tensor([1, 1], shape: [2], requiresGrad: true)
        let adam = AdamW(groups: [ParameterGroup("a", [("a", a)], rateScale: 1, weightDecay: 0),
                                  ParameterGroup("b", [("b", b)], rateScale: 0.5, weightDecay: 0)], learningRate: 0.1)
        for p in [a, b] { p.zeroGrad(); (p * p).sum().backward() }
        adam.step()
        // The first Adam step moves every parameter by the rate (sign of the gradient).
        XCTAssertEqual(a.data[0], 0.9, accuracy: 1e-5)
        XCTAssertEqual(b.data[0], 0.95, accuracy: 1e-5)
        let c = Tensor([1], shape: [1], requiresGrad: true)
        let decayed = AdamW(groups: [ParameterGroup("c", [("c", c)], weightDecay: 0.5)], learningRate: 0.1)
        c.zeroGrad(); (c * 0).sum().backward()
        decayed.step()
        XCTAssertEqual(c.data[0], 0.95, accuracy: 1e-5)   // decoupled decay only: 1 − 0.1·0.5
    }

    /// With an answer length, the loss is the cross-entropy of the last positions of the full forward pass.
    func testAnswerPositionsScoreTheLastPositionsOnly() throws {
        let model = LlamaModel(.tiny(vocabSize: 256), seed: 4)
        let stream = TokenStream(tokens: ByteTokenizer().encode(TinyText.paragraphs))
        let task = try LanguageModelTask(model: model, data: stream, batch: 2, sequenceLength: 16, answerPositions: 5)
        var rng = SeededRandom(seed: 8), replay = rng
        let scored = try Autograd.noGrad { try task.loss(rng: &rng).total.item }
        let tokens = stream.sampleBatch(batch: 2, length: 16, rng: &replay)
        let (inputs, targets) = LlamaModel.nextTokenPairs(tokens, batch: 2)
        let logits = Autograd.noGrad { model(inputs, shape: [2, 16]) }
        var total = 0.0
        for b in 0..<2 {
            for i in 11..<16 {
                let row = (0..<256).map { Double(logits.data[(b * 16 + i) * 256 + $0]) }
                let top = row.max()!
                let logSum = top + log(row.map { exp($0 - top) }.reduce(0, +))
                total += logSum - row[Int(targets[b * 16 + i])]
            }
        }
        XCTAssertEqual(Double(scored), total / 10, accuracy: 1e-4)
        XCTAssertThrowsError(try LanguageModelTask(model: model, data: stream, batch: 2, sequenceLength: 16, answerPositions: 17))
    }

    /// A batch that cannot fit in memory is refused before anything is allocated.
    func testHugeBatchIsAClearError() {
        XCTAssertThrowsError(try tinyLanguageModelJob(batch: 1_000_000, sequence: 64)) { error in
            XCTAssertTrue("\(error)".contains("lower `set batch`"), "\(error)")
        }
        XCTAssertThrowsError(try tinyLanguageModelJob(sequence: 100_000)) { error in
            XCTAssertTrue("\(error)".contains("exceeds the model's context"), "\(error)")
        }
    }
}
