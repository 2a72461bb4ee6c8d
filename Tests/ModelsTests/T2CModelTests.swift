import Models
import NN
import Optim
import Tensor
import XCTest

/// The T2C decoder and the Echo model on tiny configs: padding, greedy decoding against the
/// teacher-forced logits, that both losses train, and clear errors for bad shapes.
final class T2CModelTests: XCTestCase {
    let config = T2CConfig.tiny(llmDim: 24, units: 10)

    /// An item's word logits do not depend on another item's longer text or speech in the batch.
    func testPaddingDoesNotLeakIntoAnItem() throws {
        let model = try T2CModel(config, seed: 1)
        model.eval()
        var rng = SeededRandom(seed: 2)
        let short = Tensor.randn([1, 3, 24], rng: &rng)
        let (alone, targets) = try Autograd.noGrad { try model.logits(text: short, textLengths: [3], words: [[4, 1]]) }
        XCTAssertEqual(targets, [4, 1, config.end])
        let long = Tensor.randn([1, 7, 24], rng: &rng)
        let batch = Tensor.concat([short.padded(axis: 1, before: 0, after: 4, value: 3), long], axis: 0)
        let (together, both) = try Autograd.noGrad { try model.logits(text: batch, textLengths: [3, 7], words: [[4, 1], [0, 9, 9, 2]]) }
        XCTAssertEqual(both, [4, 1, config.end, 0, 9, 9, 2, config.end])
        XCTAssertEqual(together.shape, [8, config.vocabSize])
        for i in 0..<alone.count { XCTAssertEqual(together.data[i], alone.data[i], accuracy: 1e-4, "logit \(i)") }
    }

    /// Trained on two texts, greedy decoding says each text's words and stops at the end, and its
    /// choices are the argmax of the teacher-forced logits (the KV-cached path agrees with the batch one).
    func testTrainsAndDecodesGreedily() throws {
        let model = try T2CModel(config, seed: 3)
        var rng = SeededRandom(seed: 4)
        let texts = [Tensor.randn([1, 4, 24], rng: &rng), Tensor.randn([1, 4, 24], rng: &rng)]
        let words: [[Int32]] = [[1, 2, 3, 3, 5], [7, 0, 8]]
        let batch = Tensor.concat(texts, axis: 0)
        let optimizer = AdamW(model.trainableParameters, learningRate: 1e-2, weightDecay: 0)
        var first: Float?, last: Float = 0
        for _ in 0..<80 {
            let loss = try model.loss(text: batch, textLengths: [4, 4], words: words)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            last = loss.item
            if first == nil { first = last }
        }
        XCTAssertLessThan(last, first! * 0.05, "T2C loss \(first!) → \(last)")
        for (name, p) in model.trainableParameters { XCTAssertNotNil(p.grad, "\(name) got no gradient") }
        for (text, expected) in zip(texts, words) {
            XCTAssertEqual(try model.greedy(text: text, maxWords: 20), expected)
            XCTAssertEqual(try model.greedy(text: text, maxWords: 2), Array(expected.prefix(2)), "the word budget stops it")
        }
        XCTAssertTrue(model.isTraining, "greedy decoding leaves the mode as it found it")
    }

    func testBadInputsSayWhatIsWrong() throws {
        let model = try T2CModel(config, seed: 5)
        var rng = SeededRandom(seed: 6)
        let text = Tensor.randn([1, 3, 24], rng: &rng)
        XCTAssertThrowsError(try model.logits(text: text, textLengths: [3], words: [[10]])) { XCTAssertTrue("\($0)".contains("outside the unit language")) }
        XCTAssertThrowsError(try model.logits(text: text, textLengths: [4], words: [[1]])) { XCTAssertTrue("\($0)".contains("between 1 and 3")) }
        XCTAssertThrowsError(try model.logits(text: Tensor.randn([1, 3, 8], rng: &rng), textLengths: [3], words: [[1]])) {
            XCTAssertTrue("\($0)".contains("[B, T, 24]"))
        }
        let long = Array(repeating: Int32(1), count: config.contextLength)
        XCTAssertThrowsError(try model.logits(text: text, textLengths: [3], words: [long])) { XCTAssertTrue("\($0)".contains("context")) }
        XCTAssertThrowsError(try T2CModel(T2CConfig(llmDim: 24, units: 10, dim: 30, heads: 4))) { XCTAssertTrue("\($0)".contains("heads of even size")) }
        let json = #"{"llm_dim": 24, "units": 10, "dim": 64, "heads": 3}"#
        XCTAssertThrowsError(try JSONDecoder().decode(T2CConfig.self, from: Data(json.utf8))) { XCTAssertTrue("\($0)".contains("heads of even size")) }
    }

    /// The Echo model: the denoising term pulls the adapter's output towards the text embeddings and
    /// the echo loss trains the decoder that reads it; speaking the trained states gives the words.
    func testEchoLossesTrain() throws {
        let echo = try EchoModel(decoder: try T2CModel(config, seed: 7), adapterDim: 48, dropout: 0, seed: 8)
        var rng = SeededRandom(seed: 9)
        let hidden = Tensor.randn([2, 5, 24], rng: &rng)
        let embeddings = Tensor.randn([2, 5, 24], rng: &rng)
        let words: [[Int32]] = [[2, 4, 6], [9, 9, 1, 0]]
        let optimizer = AdamW(echo.trainableParameters, learningRate: 1e-2, weightDecay: 0)
        var first: (Float, Double)?, last: (Float, Double) = (0, 0)
        for _ in 0..<80 {
            let (loss, denoising, cosine) = try echo.losses(hidden: hidden, embeddings: embeddings, lengths: [5, 3], words: words)
            optimizer.zeroGrad()
            (loss + denoising * 0.5).backward()
            optimizer.step()
            last = (loss.item, cosine)
            if first == nil { first = last }
        }
        XCTAssertLessThan(last.0, first!.0 * 0.05, "echo loss \(first!.0) → \(last.0)")
        XCTAssertGreaterThan(last.1, 0.9, "cos(Adapter(H), Emb(X')) \(first!.1) → \(last.1)")
        XCTAssertEqual(try echo.speak(hidden: hidden.slice(axis: 0, start: 0, length: 1).slice(axis: 1, start: 0, length: 5).reshaped([5, 24]), maxWords: 10),
                       words[0])
        XCTAssertThrowsError(try echo.losses(hidden: hidden, embeddings: embeddings.slice(axis: 1, start: 0, length: 4), lengths: [5, 3], words: words)) {
            XCTAssertTrue("\($0)".contains("must both be"))
        }
    }
}
