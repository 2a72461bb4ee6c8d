import XCTest
import Optim
import Tensor

final class OptimizerTests: XCTestCase {
    /// Two AdamW steps against the update rule written out in Double.
    func testAdamWMatchesTheDecoupledUpdateRule() {
        let p = Tensor([0.5, -1.0, 2.0], shape: [3], requiresGrad: true)
        let q = Tensor([1.0], shape: [1], requiresGrad: true)
        let adam = AdamW([("p", p), ("q", q)], learningRate: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5, noDecay: ["q"])
        var ref = [0.5, -1.0, 2.0], m = [0.0, 0, 0], v = [0.0, 0, 0]
        let grads: [[Float]] = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05]]
        for (t, g) in grads.enumerated() {
            p.zeroGrad(); q.zeroGrad()
            p.accumulateGrad(Tensor(g, shape: [3]))
            q.accumulateGrad(Tensor([1], shape: [1]))
            adam.step()
            for i in 0..<3 {
                let gi = Double(g[i])
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.99 * v[i] + 0.01 * gi * gi
                let mh = m[i] / (1 - pow(0.9, Double(t + 1))), vh = v[i] / (1 - pow(0.99, Double(t + 1)))
                ref[i] = ref[i] * (1 - 0.1 * 0.5) - 0.1 * mh / (vh.squareRoot() + 1e-8)
            }
        }
        for i in 0..<3 { XCTAssertEqual(Double(p.data[i]), ref[i], accuracy: 1e-6) }
        // No decay on q: two steps of size lr with a constant gradient.
        XCTAssertEqual(q.data[0], 1.0 - 0.2, accuracy: 1e-5)
        XCTAssertEqual(adam.stepCount, 2)
    }

    func testSGDMomentum() {
        let p = Tensor([1.0], shape: [1], requiresGrad: true)
        let sgd = SGD([("p", p)], learningRate: 0.1, momentum: 0.5)
        for _ in 0..<2 { p.zeroGrad(); p.accumulateGrad(Tensor([2], shape: [1])); sgd.step() }
        // v1 = 2, p = 0.8; v2 = 0.5·2 + 2 = 3, p = 0.5
        XCTAssertEqual(p.data[0], 0.5, accuracy: 1e-6)
    }

    func testOptimizerStateRoundTrip() throws {
        let p = Tensor([1, 2], shape: [2], requiresGrad: true)
        let a = AdamW([("p", p)], learningRate: 0.01)
        p.accumulateGrad(Tensor([0.3, -0.1], shape: [2])); a.step()
        let b = AdamW([("p", Tensor([1, 2], shape: [2], requiresGrad: true))], learningRate: 0.01)
        try b.load(a.state)
        XCTAssertEqual(b.stepCount, 1)
        XCTAssertEqual(b.state.tensors.map { $0.1.scalars }, a.state.tensors.map { $0.1.scalars })
        let wrong = AdamW([("other", Tensor([1], shape: [1], requiresGrad: true))])
        XCTAssertThrowsError(try wrong.load(a.state)) { XCTAssertTrue("\($0)".contains("other")) }
    }

    /// A parameter without a gradient is left alone, and its bias correction starts with its own first
    /// update: a parameter that joins late moves by about the rate, as Adam's first step does.
    func testAParameterThatJoinsLateStartsAsAdamStarts() throws {
        let p = Tensor([1], shape: [1], requiresGrad: true), q = Tensor([1], shape: [1], requiresGrad: true)
        let adam = AdamW([("p", p), ("q", q)], learningRate: 0.01, weightDecay: 0.1)
        for _ in 0..<50 { p.zeroGrad(); q.zeroGrad(); p.accumulateGrad(Tensor([0.5], shape: [1])); adam.step() }
        XCTAssertEqual(q.data[0], 1, "no gradient, no update and no decay")
        let copy = AdamW([("p", Tensor([p.data[0]], shape: [1], requiresGrad: true)), ("q", Tensor([1], shape: [1], requiresGrad: true))],
                         learningRate: 0.01, weightDecay: 0.1)
        try copy.load(adam.state)
        for opt in [adam, copy] {
            for (_, t) in opt.parameters { t.zeroGrad(); t.accumulateGrad(Tensor([0.5], shape: [1])) }
            opt.step()
        }
        // Decay 1 − 0.01·0.1, then the first step: m̂ = g, v̂ = g², so −lr.
        XCTAssertEqual(q.data[0], 1 * (1 - 0.001) - 0.01, accuracy: 1e-6)
        XCTAssertEqual(copy.parameters[1].1.data[0], q.data[0], "the counts are part of the state")
        XCTAssertEqual(copy.parameters[0].1.data[0], p.data[0])

        // A damaged count is a clear error, and changes nothing.
        var damaged = adam.state
        damaged.tensors = damaged.tensors.map { $0.0 == "adam.t.q" ? ($0.0, Tensor([1.5], shape: [1])) : $0 }
        let before = copy.state.tensors.map { $0.1.scalars }
        XCTAssertThrowsError(try copy.load(damaged)) { XCTAssertTrue("\($0)".contains("update count of 'q'"), "\($0)") }
        XCTAssertEqual(copy.state.tensors.map { $0.1.scalars }, before)
    }

    func testGlobalNormClipping() {
        let a = Tensor([0], shape: [1], requiresGrad: true), b = Tensor([0, 0], shape: [2], requiresGrad: true)
        a.accumulateGrad(Tensor([3], shape: [1])); b.accumulateGrad(Tensor([0, 4], shape: [2]))
        let norm = Gradients.clip([a, b], maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        XCTAssertEqual(Gradients.globalNorm([a, b]), 1, accuracy: 1e-4)
        XCTAssertEqual(a.grad!.data[0], 0.6, accuracy: 1e-4)
    }

    func testWarmupCosineSchedule() {
        let s = WarmupCosine(peak: 1, warmupSteps: 10, totalSteps: 110, minRate: 0.1)
        XCTAssertEqual(s.rate(at: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 60), 0.55, accuracy: 1e-5)
        XCTAssertEqual(s.rate(at: 110), 0.1, accuracy: 1e-6)
        XCTAssertGreaterThan(s.rate(at: 30), s.rate(at: 31))
    }

    /// Accumulating k micro-batch gradients and scaling by 1/k equals one big batch.
    func testGradientAccumulation() {
        let w = Tensor([0.5, -0.5], shape: [2], requiresGrad: true)
        let x1 = Tensor([1, 2], shape: [2]), x2 = Tensor([3, -1], shape: [2])
        ((w * x1).sum().square()).backward()
        ((w * x2).sum().square()).backward()
        Gradients.scale([w], by: 0.5)
        let accumulated = w.grad!.scalars
        let w2 = Tensor([0.5, -0.5], shape: [2], requiresGrad: true)
        (((w2 * x1).sum().square() + (w2 * x2).sum().square()) * 0.5).backward()
        for (a, b) in zip(accumulated, w2.grad!.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }
}
