import Models
import NN
import Optim
import Tensor
import XCTest

/// The speech side of the S2T stage on a tiny config: shapes, shrinking, masking of padded frames,
/// and that its losses train.
final class S2TModelTests: XCTestCase {
    func testShrinkKeepsOneFramePerEmittedToken() {
        let blank = 9
        XCTAssertEqual(CTCShrink.keptFrames([blank, 3, 3, blank, 3, 5, 5, blank], blank: blank), [1, 4, 5])
        XCTAssertEqual(CTCShrink.keptFrames([blank, blank], blank: blank), [])
        XCTAssertEqual(CTCShrink.keptFrames([2, 2, 2], blank: blank), [0])
        // A floor of one frame in every 4 (the middle of each run) besides CTC's.
        XCTAssertEqual(CTCShrink.keptFrames([blank, 3, 3, blank, blank, blank, blank, blank, 5], blank: blank, every: 4), [1, 2, 6, 8])
    }

    func testShapesAndLengths() throws {
        let config = S2TConfig.tiny()
        let model = try S2TModel(config, seed: 1)
        var rng = SeededRandom(seed: 2)
        let states = Tensor.randn([2, 9, config.encoderDim], rng: &rng)
        let output = try model(states, lengths: [9, 4])
        XCTAssertEqual(output.frameLengths, [5, 2])
        XCTAssertEqual(output.ctcLogits.shape, [2, 5, config.vocabSize + 1])
        XCTAssertEqual(output.embeddings.shape, [2, output.lengths.max()!, config.llmDim])
        XCTAssertTrue(zip(output.lengths, output.frameLengths).allSatisfy { $0 >= 1 && $0 <= $1 })
        XCTAssertThrowsError(try model(states, lengths: [9])) { XCTAssertTrue("\($0)".contains("one length per item")) }
        XCTAssertThrowsError(try model(states, lengths: [9, 0])) { XCTAssertTrue("\($0)".contains("between 1 and 9")) }
        XCTAssertThrowsError(try S2TModel(S2TConfig(encoderDim: 16, llmDim: 30, vocabSize: 8, heads: 4))) {
            XCTAssertTrue("\($0)".contains("must split into"))
        }
    }

    /// An item's embeddings do not depend on the padding a longer item in the batch adds.
    func testPaddedFramesAreMasked() throws {
        let config = S2TConfig.tiny()
        let model = try S2TModel(config, seed: 3)
        model.eval()
        var rng = SeededRandom(seed: 4)
        let short = Tensor.randn([1, 6, config.encoderDim], rng: &rng)
        let alone = try Autograd.noGrad { try model(short, lengths: [6]) }
        let long = Tensor.randn([1, 14, config.encoderDim], rng: &rng)
        let batch = Tensor.concat([short.padded(axis: 1, before: 0, after: 8, value: 7), long], axis: 0)
        let together = try Autograd.noGrad { try model(batch, lengths: [6, 14]) }
        XCTAssertEqual(together.lengths[0], alone.lengths[0])
        let c = config.llmDim
        for i in 0..<(alone.lengths[0] * c) {
            XCTAssertEqual(together.embeddings.data[i], alone.embeddings.data[i], accuracy: 1e-5, "element \(i)")
        }
    }

    /// CTC on the head and a target on the LookBack output both fall when trained: gradients reach every part.
    func testLossesTrain() throws {
        let config = S2TConfig.tiny(vocabSize: 12)
        let model = try S2TModel(config, seed: 5)
        var rng = SeededRandom(seed: 6)
        let states = Tensor.randn([2, 20, config.encoderDim], rng: &rng)
        let transcripts: [[Int32]] = [[1, 4, 4, 7], [2, 9]]
        let target = Tensor.randn([config.llmDim], rng: &rng)
        let optimizer = AdamW(model.trainableParameters, learningRate: 3e-3, weightDecay: 0)
        var first: (Float, Float)?, last: (Float, Float) = (0, 0)
        for _ in 0..<60 {
            let output = try model(states, lengths: [20, 14])
            let ctc = try model.ctcLoss(output, transcripts: transcripts)
            let pooled = output.embeddings.mean(axis: 1).mean(axis: 0)
            let fit = ((pooled - target) * (pooled - target)).mean()
            optimizer.zeroGrad()
            (ctc + fit).backward()
            optimizer.step()
            last = (ctc.item, fit.item)
            if first == nil { first = last }
        }
        XCTAssertLessThan(last.0, first!.0 * 0.5, "CTC \(first!.0) → \(last.0)")
        XCTAssertLessThan(last.1, first!.1 * 0.5, "LookBack target \(first!.1) → \(last.1)")
        for (name, p) in model.trainableParameters { XCTAssertNotNil(p.grad, "\(name) got no gradient") }
    }

    /// A tied CTC head scores frames against the LLM's embeddings (frozen, no gradient), trains its
    /// blank row and bias, and says what it needs when the embeddings are missing.
    func testTiedCTCHeadUsesTheTokenEmbeddings() throws {
        let config = S2TConfig.tiny(vocabSize: 12, tiedCTCHead: true)
        let model = try S2TModel(config, seed: 5)
        XCTAssertNil(model.ctcHead)
        XCTAssertEqual(model.parameterCount, try S2TModel(S2TConfig.tiny(vocabSize: 12), seed: 5).parameterCount - 12 * config.llmDim,
                       "only the blank row and the bias remain of the head")
        var rng = SeededRandom(seed: 6)
        let states = Tensor.randn([2, 20, config.encoderDim], rng: &rng)
        let embeddings = Tensor.randn([12, config.llmDim], std: 0.5, rng: &rng)
        XCTAssertThrowsError(try model(states, lengths: [20, 14])) { XCTAssertTrue("\($0)".contains("token embeddings")) }
        let output = try model(states, lengths: [20, 14], tokenEmbeddings: embeddings)
        XCTAssertEqual(output.ctcLogits.shape, [2, 10, 13])
        try model.ctcLoss(output, transcripts: [[1, 4, 4, 7], [2, 9]]).backward()
        XCTAssertNil(embeddings.grad, "the LLM's embeddings stay frozen")
        XCTAssertNotNil(model.ctcBlank?.grad)
        XCTAssertNotNil(model.ctcBias?.grad)
    }
}
