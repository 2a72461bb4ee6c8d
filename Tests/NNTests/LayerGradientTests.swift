import XCTest
import NN
import Tensor

/// The fused NN ops pass the same finite-difference checker as the Tensor ops.
final class LayerGradientTests: XCTestCase {
    var rng = SeededRandom(seed: 3)
    func randn(_ shape: [Int], scale: Float = 1) -> Tensor { Tensor.randn(shape, std: scale, rng: &rng) }

    func assertGradients(_ inputs: [Tensor], name: String = #function, file: StaticString = #filePath, line: UInt = #line,
                         _ f: ([Tensor]) -> Tensor) {
        let report = GradCheck.check(inputs, f)
        print("\(name): \(report)")
        XCTAssertTrue(report.passed, report.description, file: file, line: line)
    }

    func testRMSNorm() { assertGradients([randn([2, 3, 8]), randn([8])]) { $0[0].rmsNorm(weight: $0[1], eps: 1e-5) } }

    func testRoPEInterleaved() {
        let rope = RoPE(headDim: 4, base: 100, layout: .interleaved)
        assertGradients([randn([2, 3, 8])]) { rope($0[0], heads: 2, offset: 5) }
    }

    func testRoPEHalfSplitPartial() {
        let rope = RoPE(headDim: 6, rotaryDim: 4, base: 100, layout: .halfSplit)
        assertGradients([randn([1, 4, 12])]) { rope($0[0], heads: 2) }
    }

    func testCausalGroupedAttention() {
        assertGradients([randn([2, 3, 8]), randn([2, 3, 4]), randn([2, 3, 4])]) {
            Tensor.attention(q: $0[0], k: $0[1], v: $0[2], heads: 4, kvHeads: 2)
        }
    }

    func testPaddedBidirectionalAttention() {
        let padding = Mask([false, false, true, false, false, false], shape: [2, 3])
        assertGradients([randn([2, 2, 4]), randn([2, 3, 4]), randn([2, 3, 4])]) {
            Tensor.attention(q: $0[0], k: $0[1], v: $0[2], heads: 2, kvHeads: 2, causal: false, keyPadding: padding)
        }
    }

    func testSwiGLU() { assertGradients([randn([3, 5]), randn([3, 5])]) { Tensor.swiglu(gate: $0[0], up: $0[1]) } }

    func testCrossEntropyWithIgnoreAndSmoothing() {
        assertGradients([randn([4, 6])]) { $0[0].crossEntropy(targets: [1, -100, 5, 0], labelSmoothing: 0.1) }
    }

    func testLinearWithLoRA() {
        var r = SeededRandom(seed: 1)
        let layer = Linear(4, 3, rng: &r)
        layer.addLoRA(rank: 2, alpha: 4, rng: &r)
        // B starts at zero; give it values so that both LoRA factors get non-trivial gradients.
        for i in 0..<layer.lora!.b.count { layer.lora!.b.data[i] = Float(i % 3) - 1 }
        assertGradients([randn([2, 4]), layer.lora!.a, layer.lora!.b]) { _ in layer(self.fixedInput) }
    }
    /// The fused op against every input at once: x, a base weight and bias that still train, A and B.
    func testFusedLoRALinear() {
        assertGradients([randn([2, 3, 4]), randn([5, 4]), randn([5]), randn([2, 4]), randn([5, 2])]) {
            $0[0].linear($0[1], bias: $0[2], loraA: $0[3], loraB: $0[4], scale: 1.5)
        }
    }

    func testFusedLoRALinearMatchesTheOpsWrittenOut() {
        let (x, w, bias, a, b) = (randn([2, 3, 4]), randn([5, 4]), randn([5]), randn([2, 4]), randn([5, 2]))
        let fused = x.linear(w, bias: bias, loraA: a, loraB: b, scale: 1.5).scalars
        let written = (x.linear(w, bias: bias) + x.linear(a).linear(b) * 1.5).scalars
        for (f, e) in zip(fused, written) { XCTAssertEqual(f, e, accuracy: 1e-5) }
    }

    lazy var fixedInput = randn([2, 4])
}
