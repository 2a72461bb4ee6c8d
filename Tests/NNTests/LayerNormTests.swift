import XCTest
@testable import NN
import Tensor

/// LayerNorm: values against the definition, gradients of input, weight and bias through GradCheck.
final class LayerNormTests: XCTestCase {
    var rng = SeededRandom(seed: 31)

    func testNormalisesRows() {
        let x = Tensor([1, 2, 3, 4, -2, 0, 2, 8], shape: [2, 4])
        let y = LayerNorm(4)(x)
        for r in 0..<2 {
            let row = Array(y.scalars[(r * 4)..<(r * 4 + 4)])
            let mean = row.reduce(0, +) / 4
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            XCTAssertEqual(mean, 0, accuracy: 1e-6)
            XCTAssertEqual(variance, 1, accuracy: 1e-4)
        }
        // Row 0: mean 2.5, variance 1.25.
        XCTAssertEqual(y.data[0], (1 - 2.5) / (1.25 + 1e-5).squareRoot(), accuracy: 1e-5)
    }

    func testWeightAndBiasApply() {
        let ln = LayerNorm(3, eps: 1e-6)
        ln.weight.data.update(from: [2, 3, 4], count: 3)
        ln.bias!.data.update(from: [1, 0, -1], count: 3)
        let y = ln(Tensor([0, 1, 2], shape: [1, 3]))
        let s = (2.0 / 3.0 + 1e-6).squareRoot()
        assertAllClose(y.scalars, [Float(-2 / s + 1), 0, Float(4 / s - 1)], accuracy: 1e-5)
        XCTAssertEqual(ln.namedParameters.map(\.0), ["weight", "bias"])
    }

    func testGradients() {
        let x = Tensor.randn([2, 3, 6], rng: &rng), w = Tensor.randn([6], rng: &rng), b = Tensor.randn([6], rng: &rng)
        let report = GradCheck.check([x, w, b]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        XCTAssertTrue(report.passed, report.description)
        XCTAssertEqual(report.checked, 48)
        let plain = GradCheck.check([Tensor.randn([4, 5], rng: &rng)]) { $0[0].layerNorm(weight: nil, bias: nil) }
        XCTAssertTrue(plain.passed, plain.description)
    }
}

/// Elementwise comparison of float arrays.
private func assertAllClose(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "lengths differ", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() {
        XCTAssertEqual(x, y, accuracy: accuracy, "element \(i)", file: file, line: line)
    }
}
