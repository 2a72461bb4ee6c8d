import XCTest
@testable import NN
import Tensor

/// Cosine-distance and MSE losses: values against direct formulas, gradients through GradCheck.
final class LossTests: XCTestCase {
    var rng = SeededRandom(seed: 21)

    func testCosineValue() {
        let a = Tensor([1, 0, 0, 1, 1, 0], shape: [2, 3])
        let b = Tensor([2, 0, 0, -1, 1, 0], shape: [2, 3])
        // Row 0: cos 1 → 0; row 1: cos 0 → 1.
        XCTAssertEqual(cosineDistanceLoss(a, b, reduction: .sum).item, 1, accuracy: 1e-6)
        XCTAssertEqual(cosineDistanceLoss(a, b, reduction: .mean).item, 0.5, accuracy: 1e-6)
        let c = Tensor([3, 4, 0], shape: [1, 3]), e = Tensor([4, 3, 0], shape: [1, 3])
        XCTAssertEqual(cosineDistanceLoss(c, e).item, 1 - 24.0 / 25.0, accuracy: 1e-6)
    }

    func testCosineGradients() {
        for reduction in [LossReduction.mean, .sum] {
            let a = Tensor.randn([2, 3, 5], rng: &rng), b = Tensor.randn([2, 3, 5], rng: &rng)
            let report = GradCheck.check([a, b]) { cosineDistanceLoss($0[0], $0[1], reduction: reduction) }
            XCTAssertTrue(report.passed, report.description)
            XCTAssertEqual(report.checked, 60)
        }
    }

    func testCosineZeroRowIsFinite() {
        let a = Tensor(zeros: [1, 4]), b = Tensor.randn([1, 4], rng: &rng)
        a.requiresGrad = true
        let loss = cosineDistanceLoss(a, b)
        XCTAssertEqual(loss.item, 1, accuracy: 1e-6)
        loss.backward()
        XCTAssertTrue(a.grad!.scalars.allSatisfy(\.isFinite))
    }

    func testMSEValueAndGradients() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2]), b = Tensor([0, 2, 5, 1], shape: [2, 2])
        XCTAssertEqual(mseLoss(a, b).item, (1 + 0 + 4 + 9) / 4, accuracy: 1e-6)
        XCTAssertEqual(mseLoss(a, b, reduction: .sum).item, 14, accuracy: 1e-6)
        for reduction in [LossReduction.mean, .sum] {
            let x = Tensor.randn([3, 4], rng: &rng), y = Tensor.randn([3, 4], rng: &rng)
            let report = GradCheck.check([x, y]) { mseLoss($0[0], $0[1], reduction: reduction) }
            XCTAssertTrue(report.passed, report.description)
        }
    }
}
