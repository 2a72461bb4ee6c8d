import Foundation
import Tensor

// MARK: - Greedy k-means++ seeding

extension FitState {
    /// Greedy D² seeding: for each new centroid, `trials` frames are drawn with probability ∝ their
    /// squared distance to the nearest chosen centroid, and the one that lowers inertia most is kept.
    /// Seeds from a random subset of `sampleSize` frames (all frames when 0 or larger than N).
    mutating func seedPlusPlus(sampleSize: Int, trials requestedTrials: Int) {
        let (n, d, k) = (self.n, self.d, self.k)
        let trials = requestedTrials > 0 ? requestedTrials : 2 + Int(log(Double(k)))
        let m = sampleSize == 0 ? n : min(n, sampleSize)
        var sample = [Float]()
        if m < n { sample = gatherSubset(m) }
        sample.withUnsafeBufferPointer { s in
            let base = m < n ? s.baseAddress! : x
            var norms = [Float](repeating: 0, count: m)
            norms.withUnsafeMutableBufferPointer { KMeansDistances.rowNorms(base, rows: m, dimension: d, into: $0.baseAddress!) }
            var nearest = [Float](repeating: 0, count: m)
            var candidates = [Float](repeating: 0, count: trials * d)     // [L, D]
            var toCandidates = [Float](repeating: 0, count: m * trials)   // [m, L]
            var candidateNorms = [Float](repeating: 0, count: trials)
            for c in 0..<k {
                let picks = c == 0 ? [rng.int(below: m)] : drawProportional(nearest, count: trials)
                let l = picks.count
                for (t, frame) in picks.enumerated() {
                    candidates.withUnsafeMutableBufferPointer { (p: inout UnsafeMutableBufferPointer<Float>) in
                        (p.baseAddress! + t * d).update(from: base + frame * d, count: d)
                    }
                    candidateNorms[t] = norms[frame]
                }
                // toCandidates[i, t] = −2 x_i·cand_t; the norms are added where the distances are used
                candidates.withUnsafeBufferPointer { cp in toCandidates.withUnsafeMutableBufferPointer { out in
                    gemm(transA: false, transB: true, m: m, n: l, k: d, alpha: -2, base, lda: d,
                         cp.baseAddress!, ldb: d, out.baseAddress!, ldc: l)
                } }
                let best = Self.keepBestCandidate(toCandidates, candidateNorms: candidateNorms, rowNorms: norms,
                                                  nearest: &nearest, rows: m, candidates: l, first: c == 0)
                centroids.withUnsafeMutableBufferPointer { (p: inout UnsafeMutableBufferPointer<Float>) in
                    (p.baseAddress! + c * d).update(from: base + picks[best] * d, count: d)
                }
                refreshNorm(c)
            }
        }
    }

    /// Picks the candidate whose addition gives the lowest inertia and folds its distances into `nearest`.
    /// `dots` [rows, candidates] holds −2·x·candidate.
    private static func keepBestCandidate(_ dots: [Float], candidateNorms: [Float], rowNorms: [Float], nearest: inout [Float],
                                          rows m: Int, candidates l: Int, first: Bool) -> Int {
        dots.withUnsafeBufferPointer { dp in rowNorms.withUnsafeBufferPointer { np in nearest.withUnsafeMutableBufferPointer { near in
            let dots = dp.baseAddress!, norms = np.baseAddress!, nearest = near.baseAddress!
            var best = 0, bestPotential = Double.infinity
            for t in 0..<l {
                let cNorm = candidateNorms[t]
                var potential = 0.0
                for i in 0..<m {
                    let dist = max(0, dots[i * l + t] + norms[i] + cNorm)
                    potential += Double(first ? dist : min(dist, nearest[i]))
                }
                if potential < bestPotential { bestPotential = potential; best = t }
            }
            let cNorm = candidateNorms[best]
            for i in 0..<m {
                let dist = max(0, dots[i * l + best] + norms[i] + cNorm)
                nearest[i] = first ? dist : min(dist, nearest[i])
            }
            return best
        } } }
    }

    /// `m` distinct random frames (partial Fisher-Yates), copied into one contiguous [m, D] block.
    private mutating func gatherSubset(_ m: Int) -> [Float] {
        let (x, n, d) = (self.x, self.n, self.d)
        var order = [Int32](unsafeUninitializedCapacity: n) { p, c in for i in 0..<n { p[i] = Int32(i) }; c = n }
        var sample = [Float](repeating: 0, count: m * d)
        sample.withUnsafeMutableBufferPointer { s in
            for i in 0..<m {
                order.swapAt(i, i + rng.int(below: n - i))
                (s.baseAddress! + i * d).update(from: x + Int(order[i]) * d, count: d)
            }
        }
        return sample
    }

    /// `count` indices drawn independently with probability ∝ weight (uniform when every weight is 0).
    private mutating func drawProportional(_ weights: [Float], count: Int) -> [Int] {
        var cumulative = [Double](repeating: 0, count: weights.count)
        var total = 0.0
        for (i, w) in weights.enumerated() { total += Double(w); cumulative[i] = total }
        guard total > 0 else { return (0..<count).map { _ in rng.int(below: weights.count) } }
        return (0..<count).map { _ in
            let target = Double(rng.uniform()) * total
            var low = 0, high = weights.count - 1          // first index whose running sum exceeds target
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] > target { high = mid } else { low = mid + 1 }
            }
            return low
        }
    }
}
