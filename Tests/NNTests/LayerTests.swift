import XCTest
import NN
import Tensor

final class LayerTests: XCTestCase {
    func testAttentionMatchesNaiveReference() {
        var rng = SeededRandom(seed: 9)
        let (t, heads, kvHeads, d) = (5, 4, 2, 3)
        let q = Tensor.randn([1, t, heads * d], rng: &rng)
        let k = Tensor.randn([1, t, kvHeads * d], rng: &rng)
        let v = Tensor.randn([1, t, kvHeads * d], rng: &rng)
        let out = Tensor.attention(q: q, k: k, v: v, heads: heads, kvHeads: kvHeads)
        for h in 0..<heads {
            let g = h / (heads / kvHeads)
            for i in 0..<t {
                var scores = (0...i).map { j in
                    (0..<d).reduce(Float(0)) { $0 + q[flat: i * heads * d + h * d + $1] * k[flat: j * kvHeads * d + g * d + $1] } / Float(d).squareRoot()
                }
                let m = scores.max()!
                scores = scores.map { expf($0 - m) }
                let z = scores.reduce(0, +)
                for c in 0..<d {
                    let expected = (0...i).reduce(Float(0)) { $0 + scores[$1] / z * v[flat: $1 * kvHeads * d + g * d + c] }
                    XCTAssertEqual(out[flat: i * heads * d + h * d + c], expected, accuracy: 1e-5)
                }
            }
        }
    }

    func testKVCacheDecodingMatchesFullSequence() {
        var rng = SeededRandom(seed: 4)
        let rope = RoPE(headDim: 4, base: 10_000)
        let attention = MultiHeadAttention(dim: 8, heads: 2, kvHeads: 1, headDim: 4, rope: rope, rng: &rng)
        let x = Tensor.randn([1, 6, 8], rng: &rng)
        let full = Autograd.noGrad { attention(x) }
        let cache = KVCache(batch: 1, capacity: 8, kvWidth: 4)
        let prefix = Autograd.noGrad { attention(x.slice(axis: 1, start: 0, length: 4), cache: cache) }
        let step5 = Autograd.noGrad { attention(x.slice(axis: 1, start: 4, length: 1), cache: cache) }
        let step6 = Autograd.noGrad { attention(x.slice(axis: 1, start: 5, length: 1), cache: cache) }
        let incremental = prefix.scalars + step5.scalars + step6.scalars
        for (a, b) in zip(full.scalars, incremental) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(cache.length, 6)
    }

    func testRoPELayoutsRotatePairsAsDocumented() {
        // One head of 4 at position 1 with base 1: angles 1 (pair 0) and 1^(-1/2)=1 (pair 1).
        let x = Tensor([1, 0, 0, 1], shape: [1, 1, 4])
        let interleaved = RoPE(headDim: 4, base: 1, layout: .interleaved)(x, heads: 1, offset: 1)
        XCTAssertEqual(interleaved.scalars[0], cosf(1), accuracy: 1e-6)   // (x0, x1) rotated
        XCTAssertEqual(interleaved.scalars[1], sinf(1), accuracy: 1e-6)
        let half = RoPE(headDim: 4, base: 1, layout: .halfSplit)(x, heads: 1, offset: 1)
        XCTAssertEqual(half.scalars[0], cosf(1), accuracy: 1e-6)          // (x0, x2) rotated
        XCTAssertEqual(half.scalars[2], sinf(1), accuracy: 1e-6)
    }

    func testLoRAMergeMatchesUnmergedOutputAndUnmergeRestores() {
        var rng = SeededRandom(seed: 5)
        let layer = Linear(6, 4, rng: &rng)
        let base = layer.weight.copy()
        layer.addLoRA(rank: 2, alpha: 8, rng: &rng)
        for i in 0..<layer.lora!.b.count { layer.lora!.b.data[i] = Float(i) * 0.1 }
        let x = Tensor.randn([3, 6], rng: &rng)
        let unmerged = Autograd.noGrad { layer(x) }.scalars
        layer.mergeLoRA()
        let merged = Autograd.noGrad { layer(x) }.scalars
        for (a, b) in zip(unmerged, merged) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        layer.unmergeLoRA()
        for (a, b) in zip(layer.weight.scalars, base.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertFalse(layer.weight.requiresGrad, "LoRA freezes the base weight")
        XCTAssertEqual(layer.trainableParameters.map(\.0).sorted(), ["lora.a", "lora.b"])
    }

    func testCrossEntropyValue() {
        let logits = Tensor([0, 0, 0, 0, 1, 2], shape: [2, 3])
        let loss = logits.crossEntropy(targets: [2, 0]).item
        let expected = (logf(3) + (logf(1 + expf(1) + expf(2)) - 0)) / 2
        XCTAssertEqual(loss, expected, accuracy: 1e-5)
        XCTAssertEqual(logits.crossEntropy(targets: [-100, 0]).item, logf(1 + expf(1) + expf(2)), accuracy: 1e-5)
    }

    func testModuleNamesFollowPropertyPaths() {
        var rng = SeededRandom(seed: 1)
        let mlp = SwiGLU(dim: 4, hidden: 8, rng: &rng)
        XCTAssertEqual(mlp.namedParameters.map(\.0), ["gate.weight", "up.weight", "down.weight"])
        XCTAssertEqual(mlp.parameterCount, 3 * 32)
    }
}
