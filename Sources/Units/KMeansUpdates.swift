import Tensor

// MARK: - Mini-batch (Sculley) and Lloyd updates

extension FitState {
    /// Sculley's web-scale k-means: each step assigns a random batch, then moves every centroid
    /// toward the mean of its batch frames with learning rate (frames in batch) / (frames seen so far).
    /// Centroids that win no frame during `reassignInterval` steps move to the batch's farthest frames.
    mutating func miniBatch(steps: Int, batchSize: Int, reassignInterval: Int) {
        let (x, d, k) = (self.x, self.d, self.k)
        var seen = [Double](repeating: 0, count: k)      // frames each centroid has absorbed
        var recentWins = [Int](repeating: 0, count: k)   // since the last reassignment check
        var batch = [Float](repeating: 0, count: batchSize * d)   // [b, D]
        var batchLabels = [Int32](repeating: 0, count: batchSize)
        var batchDistances = [Float](repeating: 0, count: batchSize)
        var sums = [Float](repeating: 0, count: k * d)   // [k, D]
        var hits = [Int](repeating: 0, count: k)
        for step in 1...steps {
            batch.withUnsafeMutableBufferPointer { b in
                for i in 0..<batchSize {
                    (b.baseAddress! + i * d).update(from: x + rng.int(below: n) * d, count: d)
                }
            }
            batch.withUnsafeBufferPointer { b in centroids.withUnsafeBufferPointer { c in centroidNorms.withUnsafeBufferPointer { cn in
                batchLabels.withUnsafeMutableBufferPointer { l in batchDistances.withUnsafeMutableBufferPointer { dist in
                    KMeansDistances.nearest(b.baseAddress!, rows: batchSize, dimension: d, centroids: c.baseAddress!, clusters: k,
                                            centroidNorms: cn.baseAddress!, labels: l.baseAddress!, distances: dist.baseAddress!)
                } }
            } } }
            for i in 0..<k { hits[i] = 0 }
            sums.withUnsafeMutableBufferPointer { s in batch.withUnsafeBufferPointer { b in
                s.baseAddress!.update(repeating: 0, count: k * d)
                for i in 0..<batchSize {
                    let c = Int(batchLabels[i])
                    hits[c] += 1
                    Kernels.axpy(1, b.baseAddress! + i * d, s.baseAddress! + c * d, count: d)
                }
            } }
            centroids.withUnsafeMutableBufferPointer { cp in sums.withUnsafeBufferPointer { s in
                for c in 0..<k where hits[c] > 0 {
                    let count = Double(hits[c])
                    seen[c] += count
                    let rate = Float(1 / seen[c])
                    // c ← c + rate · (Σx − count·c)  ==  (1 − count·rate)·c + rate·Σx
                    let keep = Float(1 - count / seen[c])
                    let row = cp.baseAddress! + c * d, total = s.baseAddress! + c * d
                    for j in 0..<d { row[j] = keep * row[j] + rate * total[j] }
                }
            } }
            for c in 0..<k where hits[c] > 0 { refreshNorm(c); recentWins[c] += hits[c] }
            if step % reassignInterval == 0 {
                reseedIdle(&recentWins, seen: &seen, batch: batch, batchDistances: &batchDistances)
            }
        }
    }

    /// Moves centroids that won nothing recently onto the batch frames farthest from their centroids.
    private mutating func reseedIdle(_ recentWins: inout [Int], seen: inout [Double], batch: [Float], batchDistances: inout [Float]) {
        let idle = (0..<k).filter { recentWins[$0] == 0 }
        for c in 0..<k { recentWins[c] = 0 }
        guard !idle.isEmpty else { return }
        let far = batchDistances.withUnsafeMutableBufferPointer {
            KMeansDistances.takeLargest(idle.count, of: $0.baseAddress!, length: $0.count)
        }
        let floorCount = seen.filter { $0 > 0 }.min() ?? 1
        let d = self.d
        for (c, frame) in zip(idle, far) {
            centroids.withUnsafeMutableBufferPointer { cp in batch.withUnsafeBufferPointer { b in
                (cp.baseAddress! + c * d).update(from: b.baseAddress! + frame * d, count: d)
            } }
            refreshNorm(c)
            seen[c] = floorCount
            reseeded += 1
        }
    }

    /// One Lloyd step from the labels of the last full pass: each centroid becomes the mean of its
    /// frames; a centroid with no frames moves to the frame farthest from its own centroid.
    mutating func lloydUpdate() {
        let (x, n, d, k) = (self.x, self.n, self.d, self.k)
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        sums.withUnsafeMutableBufferPointer { s in labels.withUnsafeBufferPointer { l in counts.withUnsafeMutableBufferPointer { cnt in
            for i in 0..<n {
                let c = Int(l[i])
                cnt[c] += 1
                let row = x + i * d, total = s.baseAddress! + c * d
                for j in 0..<d { total[j] += Double(row[j]) }
            }
        } } }
        var empty: [Int] = []
        centroids.withUnsafeMutableBufferPointer { cp in
            for c in 0..<k {
                guard counts[c] > 0 else { empty.append(c); continue }
                let inverse = 1 / Double(counts[c])
                for j in 0..<d { cp[c * d + j] = Float(sums[c * d + j] * inverse) }
            }
        }
        if !empty.isEmpty {
            var far = distances
            let frames = far.withUnsafeMutableBufferPointer { KMeansDistances.takeLargest(empty.count, of: $0.baseAddress!, length: n) }
            for (c, frame) in zip(empty, frames) {
                centroids.withUnsafeMutableBufferPointer { cp in (cp.baseAddress! + c * d).update(from: x + frame * d, count: d) }
                reseeded += 1
            }
        }
        for c in 0..<k { refreshNorm(c) }
    }
}
