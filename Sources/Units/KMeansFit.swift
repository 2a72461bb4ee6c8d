import Foundation
import Tensor

/// k-means clustering of feature frames into discrete speech units.
public enum KMeans {
    // MARK: - Entry points

    /// Fits centroids to `frames` [N, D]; returns the model and a report of inertia per stage.
    public static func fit(_ frames: Tensor, config: KMeansConfig) throws -> (model: KMeansModel, report: KMeansReport) {
        guard frames.rank == 2 else { throw KMeansError.shapeMismatch(expected: "[N, D]", got: frames.shape) }
        return try fit(frames.data, count: frames.shape[0], dimension: frames.shape[1], config: config)
    }

    /// Fits centroids to `count` row-major frames of `dimension` floats at `frames`.
    public static func fit(_ frames: UnsafePointer<Float>, count: Int, dimension: Int,
                           config: KMeansConfig) throws -> (model: KMeansModel, report: KMeansReport) {
        try config.validate(frames: count, dimension: dimension)
        if let bad = firstNonFinite(frames, count: count, dimension: dimension) { throw KMeansError.nonFinite(frame: bad) }
        let start = Date()
        var state = FitState(x: frames, n: count, d: dimension, k: config.clusters, seed: config.seed)
        state.seedPlusPlus(sampleSize: config.initSampleSize, trials: config.seedingTrials)
        let initial = state.fullPass()
        var afterMiniBatch = initial
        if config.miniBatchSteps > 0 {
            state.miniBatch(steps: config.miniBatchSteps, batchSize: config.batchSize, reassignInterval: config.reassignInterval)
            afterMiniBatch = state.fullPass()
        }
        var lloyd: [Double] = []
        var inertia = afterMiniBatch
        for _ in 0..<config.lloydIterations {
            lloyd.append(inertia)
            state.lloydUpdate()          // uses the labels of the last full pass
            let next = state.fullPass()
            let improved = inertia - next
            inertia = next
            if improved <= config.tolerance * max(inertia, .leastNonzeroMagnitude) { break }
        }
        let model = KMeansModel(uncheckedClusters: config.clusters, dimension: dimension, centroids: state.centroids,
                                inertia: inertia / Double(count))
        let report = KMeansReport(initialInertia: initial, miniBatchInertia: afterMiniBatch, lloydInertia: lloyd,
                                  finalInertia: inertia, reseededClusters: state.reseeded,
                                  seconds: Date().timeIntervalSince(start))
        return (model, report)
    }

    static func firstNonFinite(_ x: UnsafePointer<Float>, count: Int, dimension: Int) -> Int? {
        for r in 0..<count {
            let row = x + r * dimension
            for j in 0..<dimension where !row[j].isFinite { return r }
        }
        return nil
    }
}

// MARK: - Fit state

/// Centroids and per-frame bookkeeping while a fit runs.
struct FitState {
    let x: UnsafePointer<Float>, n: Int, d: Int, k: Int
    var rng: SeededRandom
    var centroids: [Float]            // [k, D]
    var centroidNorms: [Float]        // [k]
    var labels: [Int32]               // [N], from the last full pass
    var distances: [Float]            // [N], from the last full pass
    var reseeded = 0

    init(x: UnsafePointer<Float>, n: Int, d: Int, k: Int, seed: UInt64) {
        self.x = x; self.n = n; self.d = d; self.k = k
        rng = SeededRandom(seed: seed)
        centroids = [Float](repeating: 0, count: k * d)
        centroidNorms = [Float](repeating: 0, count: k)
        labels = [Int32](repeating: 0, count: n)
        distances = [Float](repeating: 0, count: n)
    }

    mutating func refreshNorm(_ c: Int) {
        centroidNorms[c] = centroids.withUnsafeBufferPointer { p in
            Kernels.dot(p.baseAddress! + c * d, p.baseAddress! + c * d, count: d)
        }
    }

    /// Assigns every frame to its nearest centroid; returns the inertia.
    mutating func fullPass() -> Double {
        let (x, n, d, k) = (self.x, self.n, self.d, self.k)
        centroids.withUnsafeBufferPointer { c in centroidNorms.withUnsafeBufferPointer { cn in
            labels.withUnsafeMutableBufferPointer { l in distances.withUnsafeMutableBufferPointer { dist in
                KMeansDistances.nearest(x, rows: n, dimension: d, centroids: c.baseAddress!, clusters: k,
                                        centroidNorms: cn.baseAddress!, labels: l.baseAddress!, distances: dist.baseAddress!)
            } }
        } }
        return distances.reduce(0.0) { $0 + Double($1) }
    }
}
