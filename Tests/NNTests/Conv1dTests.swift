import XCTest
@testable import NN
import Tensor

/// Conv1d against a direct convolution, and its gradients through GradCheck.
final class Conv1dTests: XCTestCase {
    var rng = SeededRandom(seed: 41)

    /// y[b, o, to] = bias[o] + Σ_ci Σ_j w[o, ci, j] · x[b, ci, to·S − P + j·D] (zero outside).
    func directConvolution(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, stride: Int, padding: Int, dilation: Int) -> [Float] {
        let (b, cin, t) = (x.shape[0], x.shape[1], x.shape[2]), (cout, k) = (w.shape[0], w.shape[2])
        let tout = (t + 2 * padding - dilation * (k - 1) - 1) / stride + 1
        var y: [Float] = []
        for i in 0..<b { for o in 0..<cout { for to in 0..<tout {
            var s = Double(bias?.data[o] ?? 0)
            for ci in 0..<cin { for j in 0..<k {
                let pos = to * stride - padding + j * dilation
                if pos >= 0 && pos < t { s += Double(w.data[(o * cin + ci) * k + j]) * Double(x.data[(i * cin + ci) * t + pos]) }
            } }
            y.append(Float(s))
        } } }
        return y
    }

    func testMatchesDirectConvolution() {
        // (stride, padding, dilation, input length); the last ones pad more than the input is long.
        for (stride, padding, dilation, t) in [(1, 0, 1, 11), (2, 1, 1, 11), (1, 2, 2, 11), (3, 3, 2, 11), (2, 4, 1, 2), (1, 3, 3, 1)] {
            let conv = Conv1d(inChannels: 3, outChannels: 4, kernelSize: 3, stride: stride, padding: padding,
                              dilation: dilation, rng: &rng)
            let x = Tensor.randn([2, 3, t], rng: &rng)
            let y = conv(x)
            let tout = Tensor.conv1dOutputLength(t, kernel: 3, stride: stride, padding: padding, dilation: dilation)
            XCTAssertEqual(y.shape, [2, 4, tout])
            let expected = directConvolution(x, conv.weight, conv.bias, stride: stride, padding: padding, dilation: dilation)
            assertAllClose(y.scalars, expected, accuracy: 1e-5)
        }
    }

    func testGradients() {
        for (stride, padding, dilation, withBias) in [(1, 1, 1, true), (2, 1, 2, false), (1, 0, 1, true), (3, 5, 2, true)] {
            let x = Tensor.randn([2, 2, 7], rng: &rng), w = Tensor.randn([3, 2, 3], rng: &rng), b = Tensor.randn([3], rng: &rng)
            let inputs = withBias ? [x, w, b] : [x, w]
            let report = GradCheck.check(inputs) {
                $0[0].conv1d(weight: $0[1], bias: withBias ? $0[2] : nil, stride: stride, padding: padding, dilation: dilation)
            }
            XCTAssertTrue(report.passed, report.description)
            XCTAssertEqual(report.checked, inputs.reduce(0) { $0 + $1.count })
        }
    }

    func testParameterNamesAndShapes() {
        let conv = Conv1d(inChannels: 80, outChannels: 16, kernelSize: 5, bias: false, rng: &rng)
        XCTAssertEqual(conv.namedParameters.map(\.0), ["weight"])
        XCTAssertEqual(conv.weight.shape, [16, 80, 5])
        let bound = 1 / Float(80 * 5).squareRoot()
        XCTAssertTrue(conv.weight.scalars.allSatisfy { abs($0) <= bound })
    }
}

/// Elementwise comparison of float arrays.
private func assertAllClose(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "lengths differ", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() {
        XCTAssertEqual(x, y, accuracy: accuracy, "element \(i)", file: file, line: line)
    }
}
