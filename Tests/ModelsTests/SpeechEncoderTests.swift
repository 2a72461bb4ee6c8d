import Models
import NN
import Tensor
import XCTest

/// Smoke tests of the speech encoder on a tiny config.
final class SpeechEncoderTests: XCTestCase {
    func testShapesHalveTheFrameRateAndPaddingDoesNotLeak() throws {
        let encoder = try SpeechEncoder(.tiny(), seed: 3)
        var rng = SeededRandom(seed: 1)
        let one = Tensor.randn([1, 21, 80], rng: &rng)
        let padded = one.padded(axis: 1, before: 0, after: 9)
        let single = try Autograd.noGrad { try encoder(one, lengths: [21]) }
        let batch = try Autograd.noGrad { try encoder(Tensor.concat([padded, padded], axis: 0), lengths: [21, 30]) }
        XCTAssertEqual(single.logits.shape, [1, 11, 29])
        XCTAssertEqual(batch.logits.shape, [2, 15, 29])
        XCTAssertEqual(batch.lengths, [11, 15])
        XCTAssertEqual(single.hidden.count, 3)
        // The first item's valid frames must not depend on its padding (frames zeroed, keys masked).
        for j in 0..<11 * 29 {
            XCTAssertEqual(single.logits.data[j], batch.logits.data[j], accuracy: 1e-4)
        }
    }

    func testBadInputIsAnError() throws {
        let encoder = try SpeechEncoder(.tiny(), seed: 0)
        XCTAssertThrowsError(try encoder(Tensor(zeros: [1, 10, 40]), lengths: [10]))
        XCTAssertThrowsError(try encoder(Tensor(zeros: [1, 10, 80]), lengths: [11]))
        XCTAssertThrowsError(try SpeechEncoder(SpeechEncoderConfig(dim: 30, heads: 4)))
    }

    func testCTCTrainingLowersTheLoss() throws {
        let encoder = try SpeechEncoder(.tiny(vocabSize: 5), seed: 7)
        var rng = SeededRandom(seed: 2)
        let x = Tensor.randn([2, 40, 80], rng: &rng)
        let targets: [[Int32]] = [[1, 2, 3], [4, 2]]
        func loss() throws -> Tensor {
            try ctcLoss(try encoder(x, lengths: [40, 40]).logits.logSoftmax(), targets: targets)
        }
        let first = try Autograd.noGrad { try loss().item }
        for _ in 0..<30 {
            encoder.zeroGrad()
            let l = try loss()
            l.backward()
            for p in encoder.parameters { if let g = p.grad { Kernels.axpy(-0.05, g.data, p.data, count: p.count) } }
        }
        let last = try Autograd.noGrad { try loss().item }
        XCTAssertLessThan(last, first * 0.7)
    }
}
