import XCTest
import Tensor

/// Every differentiable op in Tensor goes through the one finite-difference checker.
final class GradientTests: XCTestCase {
    var rng = SeededRandom(seed: 42)

    func randn(_ shape: [Int], scale: Float = 1) -> Tensor { Tensor.randn(shape, std: scale, rng: &rng) }
    func positive(_ shape: [Int]) -> Tensor { Tensor.uniform(shape, low: 0.5, high: 2, rng: &rng) }

    func assertGradients(_ inputs: [Tensor], name: String = #function, file: StaticString = #filePath, line: UInt = #line,
                         _ f: ([Tensor]) -> Tensor) {
        let report = GradCheck.check(inputs, f)
        print("\(name): \(report)")
        XCTAssertTrue(report.passed, report.description, file: file, line: line)
        XCTAssertGreaterThan(report.checked, 0, file: file, line: line)
    }

    func testAddBroadcast() { assertGradients([randn([2, 3, 4]), randn([3, 1])]) { $0[0] + $0[1] } }
    func testSubBroadcast() { assertGradients([randn([4]), randn([2, 3, 4])]) { $0[0] - $0[1] } }
    func testMulBroadcast() { assertGradients([randn([2, 3, 4]), randn([1, 3, 1])]) { $0[0] * $0[1] } }
    func testDivBroadcast() { assertGradients([randn([2, 3]), positive([3])]) { $0[0] / $0[1] } }
    func testScalarOps() { assertGradients([randn([5])]) { ($0[0] * 3 + 1) / 2 - 4 } }
    func testExp() { assertGradients([randn([6], scale: 0.5)]) { $0[0].exp() } }
    func testLog() { assertGradients([positive([6])]) { $0[0].log() } }
    func testSqrt() { assertGradients([positive([6])]) { $0[0].sqrt() } }
    func testTanh() { assertGradients([randn([6])]) { $0[0].tanh() } }
    func testSigmoid() { assertGradients([randn([6])]) { $0[0].sigmoid() } }
    // Non-smooth ops: the checker evaluates at x ± h and x ± 2h with h = 1e-2·max(|x|, 1), so every input
    // stays at least 2h from a kink (these seeded values do; one nearer would fail the check).
    func testRelu() { assertGradients([positive([6]) - 1.25]) { $0[0].relu() } }
    func testSquare() { assertGradients([randn([6])]) { $0[0].square() } }
    func testPow() { assertGradients([positive([6])]) { $0[0].pow(1.5) } }
    func testSilu() { assertGradients([randn([6])]) { $0[0].silu() } }
    func testGelu() { assertGradients([randn([6])]) { $0[0].gelu() } }
    func testAbs() { assertGradients([positive([6]) * Tensor([1, -1, 1, -1, 1, -1], shape: [6])]) { $0[0].abs() } }
    func testClamp() { assertGradients([Tensor([-2, -0.5, 0.2, 0.7, 3], shape: [5])]) { $0[0].clamped(-1, 1) } }
    func testSumAll() { assertGradients([randn([3, 4])]) { $0[0].sum() } }
    func testMeanAll() { assertGradients([randn([3, 4])]) { $0[0].mean() } }
    func testSumAxis() { assertGradients([randn([2, 3, 4])]) { $0[0].sum(axis: 1) } }
    func testMeanAxisKeepDim() { assertGradients([randn([2, 3, 4])]) { $0[0].mean(axis: -1, keepDim: true) } }
    func testMaxAxis() {
        // Values at least 0.3 apart so that ±2h (under 0.09 here) never crosses a tie.
        let spread = Tensor([7, 2, 11, 0, 5, 9, 14, 1, 3, 12, 6, 10, 4, 13, 8].map { Float($0) * 0.3 }, shape: [3, 5])
        assertGradients([spread]) { $0[0].max(axis: 1) }
    }
    func testMatmul() { assertGradients([randn([3, 4]), randn([4, 5])]) { $0[0].matmul($0[1]) } }
    func testMatmulTransposed() {
        assertGradients([randn([4, 3]), randn([5, 4])]) { $0[0].matmul($0[1], transposeSelf: true, transposeOther: true) }
    }
    func testBatchedMatmul() { assertGradients([randn([2, 3, 4]), randn([2, 5, 4])]) { $0[0].matmul($0[1], transposeOther: true) } }
    func testBatchedMatmulTransposeSelf() { assertGradients([randn([2, 4, 3]), randn([2, 4, 5])]) { $0[0].matmul($0[1], transposeSelf: true) } }
    func testSharedWeightMatmul() { assertGradients([randn([2, 3, 4]), randn([4, 5])]) { $0[0].matmul($0[1]) } }
    func testSharedWeightMatmulTransposeSelf() { assertGradients([randn([2, 4, 3]), randn([4, 5])]) { $0[0].matmul($0[1], transposeSelf: true) } }
    /// Products add their gradients straight into an input that several products read (as q, k and v
    /// read one normed input), on either side, batched and shared.
    func testAnInputReadBySeveralProductsSumsTheirGradients() {
        assertGradients([randn([2, 3, 4]), randn([4, 4]), randn([2, 4, 3])]) { t in
            let (x, w, y) = (t[0], t[1], t[2])
            return x.matmul(w).matmul(w) + x.matmul(w, transposeOther: true)
                + y.matmul(w, transposeSelf: true).matmul(x, transposeOther: true).matmul(x)
        }
    }
    /// A second backward adds to the gradient the first left (accumulated micro-batches), for both
    /// sides of a shared-weight product.
    func testProductGradientsAccumulateAcrossBackwardCalls() {
        let x = randn([2, 3, 4]), w = randn([4, 5])
        x.requiresGrad = true; w.requiresGrad = true
        x.matmul(w).sum().backward()
        let (gx, gw) = (x.grad!.scalars, w.grad!.scalars)
        x.matmul(w).sum().backward()
        for (twice, once) in zip(x.grad!.scalars, gx) { XCTAssertEqual(twice, 2 * once, accuracy: 1e-5) }
        for (twice, once) in zip(w.grad!.scalars, gw) { XCTAssertEqual(twice, 2 * once, accuracy: 1e-5) }
    }
    func testLinear() { assertGradients([randn([2, 3, 4]), randn([5, 4]), randn([5])]) { $0[0].linear($0[1], bias: $0[2]) } }
    func testReshape() { assertGradients([randn([2, 6])]) { $0[0].reshaped([3, -1]) * Tensor([1, 2, 3, 4], shape: [4]) } }
    func testPermute() { assertGradients([randn([2, 3, 4])]) { $0[0].permuted([2, 0, 1]) } }
    func testTranspose() { assertGradients([randn([2, 3, 4])]) { $0[0].transposed(0, 2) } }
    func testSlice() { assertGradients([randn([3, 5, 2])]) { $0[0].slice(axis: 1, start: 1, length: 3) } }
    func testSplit() { assertGradients([randn([2, 5])]) { let p = $0[0].split(axis: 1, sizes: [2, 3]); return p[1].sum(axis: 1) * p[0].sum(axis: 1) } }
    func testConcat() { assertGradients([randn([2, 2, 3]), randn([2, 1, 3])]) { Tensor.concat([$0[0], $0[1]], axis: 1) } }
    func testPad() { assertGradients([randn([2, 3])]) { $0[0].padded(axis: 1, before: 2, after: 1, value: 0.5) } }
    func testEmbedding() { assertGradients([randn([5, 3])]) { $0[0].embedding([4, 0, 4, 2], shape: [2, 2]) } }
    func testIndexSelect() { assertGradients([randn([3, 4, 2])]) { $0[0].indexSelect(axis: 1, [3, 0, 3]) } }
    func testMaskedFill() {
        assertGradients([randn([3, 3])]) { $0[0].maskedFill(Mask.causal(3), -5) }
    }
    func testSoftmax() { assertGradients([randn([3, 5])]) { $0[0].softmax() } }
    func testLogSoftmax() { assertGradients([randn([3, 5])]) { $0[0].logSoftmax() } }
}
