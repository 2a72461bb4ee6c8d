import XCTest
import NN
import Tensor

/// The gradient checker must fail a backward that is off by 1%: for representative ops, a copy whose
/// backward returns the true gradient of one input times 1.01 is rejected, while the same wrapper
/// with factor 1 (and the op itself) passes.
final class GradCheckSensitivityTests: XCTestCase {
    /// `op` with its true backward, the gradient of input `scaled` multiplied by `factor`.
    static func withScaledGradient(_ factor: Float, of scaled: Int, _ inputs: [Tensor], _ op: ([Tensor]) -> Tensor) -> Tensor {
        let leaves = inputs.map { x -> Tensor in
            let leaf = x.detached()
            leaf.requiresGrad = true
            return leaf
        }
        let inner = op(leaves)
        return Tensor.result(inner.detached(), parents: inputs) { g in
            inner.backward(seed: g)
            for (n, (x, leaf)) in zip(inputs, leaves).enumerated() {
                guard let lg = leaf.grad else { continue }
                x.accumulateGrad(n == scaled ? Autograd.noGrad { lg * factor } : lg.copy())
            }
        }
    }

    /// Checks `op`, the wrapper with factor 1 and, for every input, the wrapper with factor 1.01.
    func assertCatchesOnePercent(_ name: String, _ make: () -> [Tensor], file: StaticString = #filePath, line: UInt = #line,
                                 _ op: @escaping ([Tensor]) -> Tensor) {
        let plain = GradCheck.check(make(), op)
        print("\(name) as is: \(plain)")
        XCTAssertTrue(plain.passed, "\(name): \(plain)", file: file, line: line)
        let inputs = make()
        for n in inputs.indices {
            let exact = GradCheck.check(make()) { Self.withScaledGradient(1, of: n, $0, op) }
            XCTAssertTrue(exact.passed, "\(name) through the wrapper: \(exact)", file: file, line: line)
            let perturbed = GradCheck.check(make()) { Self.withScaledGradient(1.01, of: n, $0, op) }
            print("\(name), gradient of input \(n) × 1.01: \(perturbed)")
            XCTAssertFalse(perturbed.passed, "\(name): a 1% error in the gradient of input \(n) went unnoticed: \(perturbed)",
                           file: file, line: line)
            XCTAssertGreaterThan(perturbed.gradientRelativeError, 0.005, file: file, line: line)
        }
    }

    func inputs(_ shapes: [[Int]], seed: UInt64) -> () -> [Tensor] {
        { var rng = SeededRandom(seed: seed); return shapes.map { Tensor.randn($0, rng: &rng) } }
    }

    func testMatmul() { assertCatchesOnePercent("matmul", inputs([[3, 4], [4, 5]], seed: 1)) { $0[0].matmul($0[1]) } }

    func testSoftmax() { assertCatchesOnePercent("softmax", inputs([[3, 5]], seed: 2)) { $0[0].softmax() } }

    func testRMSNorm() {
        assertCatchesOnePercent("rmsNorm", inputs([[2, 3, 8], [8]], seed: 3)) { $0[0].rmsNorm(weight: $0[1], eps: 1e-5) }
    }

    func testLayerNorm() {
        assertCatchesOnePercent("layerNorm", inputs([[4, 6], [6], [6]], seed: 4)) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
    }

    func testAttention() {
        assertCatchesOnePercent("attention", inputs([[2, 3, 8], [2, 3, 4], [2, 3, 4]], seed: 5)) {
            Tensor.attention(q: $0[0], k: $0[1], v: $0[2], heads: 4, kvHeads: 2)
        }
    }

    /// The difference quotient itself: exact for a polynomial of degree 4 at uneven points.
    func testDifferenceQuotientIsExactForQuartics() {
        let p: (Double) -> Double = { 3 * $0 - 2 * $0 * $0 + 0.5 * pow($0, 3) + 7 * pow($0, 4) }
        let offsets = [-0.021, -0.0098, 0.0101, 0.0203]
        let numeric = GradCheck.derivativeAtZero(offsets: offsets, rises: offsets.map { p($0) - p(0) })
        XCTAssertEqual(numeric, 3, accuracy: 1e-9)
    }
}
