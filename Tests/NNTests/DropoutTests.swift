import XCTest
@testable import NN
import Tensor

/// Dropout: rate and scaling, identity in eval mode, reproducible masks, gradient through the mask.
final class DropoutTests: XCTestCase {
    func testRateAndInvertedScaling() {
        let drop = Dropout(0.25, seed: 3)
        let y = drop(Tensor(repeating: 2, shape: [100, 100]))
        let zeros = y.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / 10_000, 0.25, accuracy: 0.02)
        XCTAssertTrue(y.scalars.allSatisfy { $0 == 0 || abs($0 - 2 / 0.75) < 1e-6 })
        XCTAssertEqual(Double(y.scalars.reduce(0, +)) / 10_000, 2, accuracy: 0.06)
    }

    func testIdentityInEvalModeAndForZeroRate() {
        let x = Tensor([1, 2, 3], shape: [3])
        let drop = Dropout(0.5)
        drop.eval()
        XCTAssertTrue(drop(x) === x)
        XCTAssertTrue(Dropout(0)(x) === x)
        XCTAssertEqual(Dropout(1)(x).scalars, [0, 0, 0])
    }

    func testReproducibleAndResumable() {
        let x = Tensor(repeating: 1, shape: [64])
        let a = Dropout(0.5, seed: 9), b = Dropout(0.5, seed: 9)
        let first = a(x).scalars
        XCTAssertEqual(first, b(x).scalars)
        let saved = a.rng
        let next = a(x).scalars
        XCTAssertNotEqual(next, first, "the generator advances between calls")
        let resumed = Dropout(0.5, seed: 123)
        resumed.rng = saved
        XCTAssertEqual(resumed(x).scalars, next)
    }

    func testGradientFollowsMask() {
        let drop = Dropout(0.3, seed: 5)
        let x = Tensor(repeating: 1, shape: [50])
        x.requiresGrad = true
        let y = drop(x)
        y.sum().backward()
        XCTAssertEqual(x.grad!.scalars, y.scalars)
        // The same mask through GradCheck: reset the generator before every evaluation.
        var rng = SeededRandom(seed: 1)
        let input = Tensor.randn([20], rng: &rng)
        let report = GradCheck.check([input]) { v in
            drop.rng = SeededRandom(seed: 77)
            return drop(v[0])
        }
        XCTAssertTrue(report.passed, report.description)
    }
}
