import Foundation
import XCTest
@testable import NN
import Tensor

/// CTC against brute-force enumeration of every alignment, plus finite differences.
final class CTCTests: XCTestCase {
    // MARK: - Brute force

    /// −log p(target) and its gradient w.r.t. the log-probs, summing over all Vᵀ paths in Double.
    func bruteForce(_ lp: [[Double]], _ target: [Int32], blank: Int) -> (loss: Double, grad: [[Double]]) {
        let t = lp.count, v = lp.first?.count ?? 0
        var total = 0.0
        var through = Array(repeating: Array(repeating: 0.0, count: v), count: t)
        var path = Array(repeating: 0, count: t)
        let paths = Int(pow(Double(v), Double(t)))
        for code in 0..<paths {
            var c = code
            for f in 0..<t { path[f] = c % v; c /= v }
            guard CTCGreedy.collapse(path, blank: blank) == target else { continue }
            var logP = 0.0
            for f in 0..<t { logP += lp[f][path[f]] }
            let p = Foundation.exp(logP)
            total += p
            for f in 0..<t { through[f][path[f]] += p }
        }
        return (-Foundation.log(total), through.map { $0.map { -$0 / total } })
    }

    func randomLogProbs(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Autograd.noGrad { Tensor.randn(shape, std: 1.5, rng: &rng).logSoftmax() }
    }

    // MARK: - Value and gradient against brute force

    func checkAgainstBruteForce(blank: Int, vocab v: Int, targets: [[Int32]], frames: [Int], seed: UInt64,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let b = targets.count, t = frames.max()!
        let lp = randomLogProbs([b, t, v], seed: seed)
        lp.requiresGrad = true
        let losses = try ctcLoss(lp, targets: targets, inputLengths: frames, blank: blank, reduction: .none)
        losses.sum().backward()
        let grad = try XCTUnwrap(lp.grad)
        for i in 0..<b {
            let rows = (0..<frames[i]).map { f in (0..<v).map { Double(lp.data[(i * t + f) * v + $0]) } }
            let reference = bruteForce(rows, targets[i], blank: blank)
            let loss = Double(losses.data[i])
            XCTAssertEqual(loss, reference.loss, accuracy: 1e-5 * Swift.max(1, Swift.abs(reference.loss)),
                           "item \(i) target \(targets[i]) frames \(frames[i])", file: file, line: line)
            for f in 0..<t {
                for k in 0..<v {
                    let expected = f < frames[i] ? reference.grad[f][k] : 0
                    XCTAssertEqual(Double(grad.data[(i * t + f) * v + k]), expected, accuracy: 2e-5,
                                   "gradient of item \(i) at frame \(f) label \(k)", file: file, line: line)
                }
            }
        }
    }

    func testBruteForceBlankFirst() throws {
        try checkAgainstBruteForce(blank: 0, vocab: 4,
                                   targets: [[1, 2], [1, 1], [], [3], [2, 3, 2], [1, 1, 2]],
                                   frames: [5, 6, 4, 3, 6, 6], seed: 1)
    }

    func testBruteForceBlankLast() throws {
        try checkAgainstBruteForce(blank: 3, vocab: 4,
                                   targets: [[0, 1], [2, 2], [], [0, 0, 0], [1, 0, 1, 0]],
                                   frames: [6, 5, 2, 6, 6], seed: 2)
    }

    func testBruteForceSmallVocabularyAndSingleFrame() throws {
        try checkAgainstBruteForce(blank: 0, vocab: 2, targets: [[1], [], [1, 1], [1]], frames: [1, 1, 6, 6], seed: 3)
    }

    // MARK: - Finite differences through log-softmax

    func testGradCheckThroughLogSoftmax() throws {
        for blank in [0, 3] {
            var rng = SeededRandom(seed: 11)
            let logits = Tensor.randn([2, 5, 4], rng: &rng)
            let targets: [[Int32]] = blank == 0 ? [[1, 1], [2, 3, 1]] : [[0, 0], [1, 2, 0]]
            let report = GradCheck.check([logits]) { x in
                try! ctcLoss(x[0].logSoftmax(), targets: targets, inputLengths: [5, 4], blank: blank, reduction: .mean)
            }
            XCTAssertTrue(report.passed, report.description)
            XCTAssertEqual(report.checked, 40)
        }
    }

    func testGradCheckPerItemLosses() {
        var rng = SeededRandom(seed: 12)
        let logits = Tensor.randn([3, 4, 3], rng: &rng)
        let report = GradCheck.check([logits]) { x in
            try! ctcLoss(x[0].logSoftmax(), targets: [[1], [2, 1], []], blank: 0, reduction: .none)
        }
        XCTAssertTrue(report.passed, report.description)
    }

    // MARK: - Reductions and impossible alignments

    func testReductions() throws {
        let lp = randomLogProbs([3, 6, 5], seed: 4)
        let targets: [[Int32]] = [[1, 2, 3], [4], []]
        let per = try ctcLoss(lp, targets: targets, reduction: .none).scalars
        let sum = try ctcLoss(lp, targets: targets, reduction: .sum).item
        let mean = try ctcLoss(lp, targets: targets, reduction: .mean).item
        let batchMean = try ctcLoss(lp, targets: targets, reduction: .batchMean).item
        XCTAssertEqual(sum, per.reduce(0, +), accuracy: 1e-4)
        XCTAssertEqual(batchMean, per.reduce(0, +) / 3, accuracy: 1e-4)
        XCTAssertEqual(mean, (per[0] / 3 + per[1] / 1 + per[2] / 1) / 3, accuracy: 1e-4)
        // Target lengths shorter than the label arrays use a prefix.
        let prefix = try ctcLoss(lp, targets: targets, targetLengths: [1, 1, 0], reduction: .none).scalars
        let explicit = try ctcLoss(lp, targets: [[1], [4], []], reduction: .none).scalars
        XCTAssertEqual(prefix, explicit)
    }

    func testImpossibleAlignmentIsInfiniteOrZeroed() throws {
        // [1, 1] needs three frames (a blank between the repeats); two are too few.
        let lp = randomLogProbs([2, 3, 3], seed: 5)
        lp.requiresGrad = true
        let inf = try ctcLoss(lp, targets: [[1, 1], [2]], inputLengths: [2, 3], reduction: .none)
        XCTAssertEqual(inf.data[0], .infinity)
        XCTAssertTrue(inf.data[1].isFinite)
        let zeroed = try ctcLoss(lp, targets: [[1, 1], [2]], inputLengths: [2, 3], reduction: .sum, zeroInfinity: true)
        XCTAssertEqual(zeroed.item, inf.data[1], accuracy: 1e-6)
        zeroed.backward()
        let grad = try XCTUnwrap(lp.grad)
        XCTAssertTrue((0..<9).allSatisfy { grad.data[$0] == 0 }, "impossible item must get zero gradient")
        XCTAssertTrue((9..<18).contains { grad.data[$0] != 0 })
        // Exactly enough frames makes it possible again.
        let possible = try ctcLoss(lp.detached(), targets: [[1, 1], [2]], inputLengths: [3, 3], reduction: .none)
        XCTAssertTrue(possible.data[0].isFinite)
        // No frames: only the empty target has an alignment (probability 1).
        let none = try ctcLoss(lp.detached(), targets: [[], [2]], inputLengths: [0, 0], reduction: .none)
        XCTAssertEqual(none.scalars, [0, .infinity])
    }

    func testBadArgumentsThrow() {
        let lp = randomLogProbs([2, 4, 3], seed: 6)
        XCTAssertThrowsError(try ctcLoss(lp, targets: [[1]]))                                  // batch mismatch
        XCTAssertThrowsError(try ctcLoss(lp, targets: [[1], [3]]))                             // label ≥ V
        XCTAssertThrowsError(try ctcLoss(lp, targets: [[1], [0]], blank: 0))                   // blank as label
        XCTAssertThrowsError(try ctcLoss(lp, targets: [[1], [2]], inputLengths: [5, 4]))       // too many frames
        XCTAssertThrowsError(try ctcLoss(lp, targets: [[1], [2]], targetLengths: [2, 1]))      // longer than labels
        XCTAssertThrowsError(try ctcLoss(lp, targets: [[1], [2]], blank: 3))                   // blank outside V
        XCTAssertThrowsError(try ctcLoss(lp.reshaped([8, 3]), targets: [[1]]))                 // rank
    }

    // MARK: - Scale: posteriors sum to one per frame, and timing

    func testPosteriorsSumToOneAtScale() throws {
        let (b, t, v, l) = (8, 200, 500, 50)
        var rng = SeededRandom(seed: 9)
        let targets: [[Int32]] = (0..<b).map { _ in (0..<l).map { _ in Int32(1 + rng.int(below: v - 1)) } }
        let lp = randomLogProbs([b, t, v], seed: 10)
        lp.requiresGrad = true
        func cpuMilliseconds() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
        }
        var loss = Tensor(scalar: 0)
        for run in 0..<3 {
            lp.zeroGrad()
            let (start, cpuStart) = (Date(), cpuMilliseconds())
            loss = try ctcLoss(lp, targets: targets, reduction: .sum)
            loss.backward()
            print(String(format: "CTC forward+backward B=%d T=%d V=%d L=%d, run %d: %.2f ms wall, %.2f ms CPU (all threads)",
                         b, t, v, l, run, Date().timeIntervalSince(start) * 1000, cpuMilliseconds() - cpuStart))
        }
        XCTAssertTrue(loss.item.isFinite)
        let grad = try XCTUnwrap(lp.grad)
        for row in stride(from: 0, to: b * t, by: 37) {
            XCTAssertEqual(Kernels.sum(grad.data + row * v, count: v), -1, accuracy: 1e-3, "posteriors of frame row \(row)")
        }
    }

    // MARK: - Greedy decoding and shrink

    func testCollapseSegmentsAndShrink() {
        let path = [0, 1, 1, 0, 1, 2, 2, 0, 0, 3]
        XCTAssertEqual(CTCGreedy.collapse(path, blank: 0), [1, 1, 2, 3])
        XCTAssertEqual(CTCGreedy.segments(path).map(\.start), [0, 1, 3, 4, 5, 7, 9])
        XCTAssertEqual(CTCGreedy.segments(path).last, CTCGreedy.Segment(label: 3, start: 9, end: 10))
        XCTAssertEqual(CTCGreedy.shrinkPositions(path, blank: 0), [1, 4, 5, 9])
        XCTAssertEqual(CTCGreedy.shrinkPositions(path, blank: 0, keepBlankRuns: true), [0, 1, 3, 4, 5, 7, 9])
        XCTAssertEqual(CTCGreedy.collapse([3, 3, 1, 3], blank: 3), [1])
        XCTAssertEqual(CTCGreedy.shrinkPositions([], blank: 0), [])
    }

    func testDecodeFromScores() throws {
        // Item 0 path: 2 2 0 2 1 ; item 1 (3 valid frames): 1 0 0
        let rows: [[Float]] = [[0, 1, 5], [0, 2, 3], [9, 1, 1], [0, 0, 1], [0, 4, 1],
                               [0, 3, 1], [5, 1, 1], [4, 1, 2], [0, 0, 9], [0, 9, 0]]
        let scores = Tensor(rows.flatMap { $0 }, shape: [2, 5, 3])
        XCTAssertEqual(try CTCGreedy.bestPaths(scores, lengths: [5, 3]), [[2, 2, 0, 2, 1], [1, 0, 0]])
        XCTAssertEqual(try CTCGreedy.decode(scores, blank: 0, lengths: [5, 3]), [[2, 2, 1], [1]])
        XCTAssertThrowsError(try CTCGreedy.decode(scores, lengths: [6, 1]))
    }
}
