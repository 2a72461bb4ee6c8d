import Tensor

// MARK: - Nearest centroid through one matrix product per block

/// Squared distances ||x||² − 2x·c + ||c||² from rows of a row-major matrix to k centroids,
/// with the cross term from BLAS `gemm`, and the nearest centroid of each row.
enum KMeansDistances {
    /// Squared norm of each of `rows` rows of length `dimension`.
    static func rowNorms(_ x: UnsafePointer<Float>, rows: Int, dimension: Int, into out: UnsafeMutablePointer<Float>) {
        parallelChunks(rows, minChunk: 4096) { start, end in
            for r in start..<end {
                let row = x + r * dimension
                out[r] = Kernels.dot(row, row, count: dimension)
            }
        }
    }

    /// Writes, for each row of `x` [rows, dimension], its nearest centroid in `labels` and the
    /// squared distance to it in `distances` (clamped at 0 against rounding).
    static func nearest(_ x: UnsafePointer<Float>, rows: Int, dimension: Int,
                        centroids: UnsafePointer<Float>, clusters: Int, centroidNorms: UnsafePointer<Float>,
                        labels: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        let block = min(rows, max(256, (1 << 20) / clusters))
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: block * clusters)  // [block, k]
        defer { scores.deallocate() }
        var start = 0
        while start < rows {
            let count = min(block, rows - start)
            // scores = ||c||² − 2 x·c, row by row: prefill the norms, then gemm with beta 1.
            for r in 0..<count { (scores + r * clusters).update(from: centroidNorms, count: clusters) }
            gemm(transA: false, transB: true, m: count, n: clusters, k: dimension, alpha: -2,
                 x + start * dimension, lda: dimension, centroids, ldb: dimension,
                 beta: 1, scores, ldc: clusters)
            parallelChunks(count, minChunk: 1024) { s, e in
                for r in s..<e {
                    let row = scores + r * clusters
                    var best = row[0], bestIndex = 0
                    for j in 1..<clusters where row[j] < best { best = row[j]; bestIndex = j }
                    let point = x + (start + r) * dimension
                    labels[start + r] = Int32(bestIndex)
                    distances[start + r] = max(0, best + Kernels.dot(point, point, count: dimension))
                }
            }
            start += count
        }
    }

    /// Squared distance from every row of `x` to one point `c`.
    static func toPoint(_ x: UnsafePointer<Float>, rows: Int, dimension: Int, rowNorms: UnsafePointer<Float>,
                        point c: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        gemm(transA: false, transB: false, m: rows, n: 1, k: dimension, x, lda: dimension, c, ldb: 1, out, ldc: 1)
        let cNorm = Kernels.dot(c, c, count: dimension)
        parallelChunks(rows, minChunk: 16_384) { s, e in
            for r in s..<e { out[r] = max(0, rowNorms[r] - 2 * out[r] + cNorm) }
        }
    }

    /// Indices of the `count` largest values (distinct indices, largest first); marks them −1 in `values`.
    static func takeLargest(_ count: Int, of values: UnsafeMutablePointer<Float>, length: Int) -> [Int] {
        var picked: [Int] = []
        picked.reserveCapacity(count)
        for _ in 0..<min(count, length) {
            var best: Float = -1, bestIndex = 0
            for i in 0..<length where values[i] > best { best = values[i]; bestIndex = i }
            picked.append(bestIndex)
            values[bestIndex] = -1
        }
        return picked
    }
}
