import XCTest
@testable import Models
import Tensor

final class SamplerTests: XCTestCase {
    let logits: [Float] = [1.0, 3.0, 0.5, 2.0, -1.0, 2.5, 0.0, 1.5]

    private func candidates(_ t: Float, _ k: Int, _ p: Float) -> [(id: Int, probability: Float)] {
        logits.withUnsafeBufferPointer { Sampler.candidates($0, temperature: t, topK: k, topP: p) }
    }

    func testGreedyPicksTheLargestLogit() {
        var s = Sampler(.greedy)
        XCTAssertEqual(s.sample(logits), 1)
        XCTAssertEqual(logits.withUnsafeBufferPointer { Sampler.argmax($0) }, 1)
    }

    func testTopKKeepsTheKMostLikelyRenormalised() {
        let pool = candidates(1, 3, 1)
        XCTAssertEqual(pool.map(\.id), [1, 5, 3])
        XCTAssertEqual(pool.reduce(0) { $0 + $1.probability }, 1, accuracy: 1e-6)
        // exp(3)/(exp(3)+exp(2.5)+exp(2)) for the first.
        XCTAssertEqual(pool[0].probability, Float(exp(3.0) / (exp(3.0) + exp(2.5) + exp(2.0))), accuracy: 1e-6)
    }

    func testTopPKeepsTheSmallestSetReachingP() {
        let full = candidates(1, 0, 1)
        XCTAssertEqual(full.count, logits.count)
        let p: Float = 0.7
        let pool = candidates(1, 0, p)
        // The kept prefix reaches p, and one token fewer would not.
        let kept = full.prefix(pool.count).reduce(0) { $0 + $1.probability }
        let fewer = full.prefix(pool.count - 1).reduce(0) { $0 + $1.probability }
        XCTAssertGreaterThanOrEqual(kept, p)
        XCTAssertLessThan(fewer, p)
        XCTAssertEqual(pool.map(\.id), Array(full.prefix(pool.count).map(\.id)))
        XCTAssertEqual(candidates(1, 0, 0.01).map(\.id), [1])
    }

    /// Settings typed by a user may be out of range; sampling still returns a token of the vocabulary.
    func testOutOfRangeSettingsAreTakenAtTheirLimits() {
        XCTAssertEqual(candidates(1, .max, 1).map(\.id), candidates(1, 0, 1).map(\.id), "top-k beyond the vocabulary keeps all")
        XCTAssertEqual(candidates(1, 0, -3).map(\.id), [1], "top-p below 0 keeps only the most likely token")
        XCTAssertEqual(candidates(1, 0, 7).count, logits.count, "top-p above 1 keeps all")
        XCTAssertEqual(candidates(1, 0, .nan).count, logits.count)
        for options in [SamplingOptions(temperature: 1, topK: .max, topP: -1), SamplingOptions(temperature: -2, topK: -5, topP: .nan),
                        SamplingOptions(temperature: .infinity, topK: 3, topP: 0)] {
            var sampler = Sampler(options)
            XCTAssertTrue(logits.indices.contains(sampler.sample(logits)), "\(options)")
        }
    }

    func testLowTemperatureSharpensAndHighFlattens() {
        XCTAssertGreaterThan(candidates(0.2, 0, 1)[0].probability, 0.9)
        XCTAssertLessThan(candidates(10, 0, 1)[0].probability, 0.2)
    }

    func testSeededSamplingIsDeterministicAndFollowsTheDistribution() {
        let options = SamplingOptions(temperature: 1, topK: 0, topP: 1, seed: 42)
        var a = Sampler(options), b = Sampler(options)
        let first = (0..<200).map { _ in a.sample(logits) }
        XCTAssertEqual(first, (0..<200).map { _ in b.sample(logits) })
        var c = Sampler(SamplingOptions(temperature: 1, topK: 0, topP: 1, seed: 43))
        XCTAssertNotEqual(first, (0..<200).map { _ in c.sample(logits) })
        // Frequencies over many draws match the softmax.
        var counts = [Int](repeating: 0, count: logits.count)
        var s = Sampler(options)
        let n = 20_000
        for _ in 0..<n { counts[s.sample(logits)] += 1 }
        for c in candidates(1, 0, 1) {
            XCTAssertEqual(Float(counts[c.id]) / Float(n), c.probability, accuracy: 0.015, "token \(c.id)")
        }
        // Top-k never draws outside the top k.
        var k = Sampler(SamplingOptions(temperature: 1, topK: 2, topP: 1, seed: 1))
        XCTAssertTrue((0..<500).allSatisfy { _ in [1, 5].contains(k.sample(logits)) })
    }
}
