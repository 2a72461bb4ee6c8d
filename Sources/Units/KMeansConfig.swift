import Foundation

// MARK: - Configuration

/// Settings of a k-means fit: k-means++ seeding, Sculley mini-batch steps, then optional Lloyd passes.
public struct KMeansConfig: Codable, Equatable, Sendable {
    /// Number of centroids (k).
    public var clusters: Int
    /// Seed of every random choice; the same seed and data give the same centroids.
    public var seed: UInt64
    /// Frames drawn (with replacement) for each mini-batch step.
    public var batchSize: Int
    /// Mini-batch steps; 0 goes straight from seeding to Lloyd passes.
    public var miniBatchSteps: Int
    /// Full-data Lloyd iterations after the mini-batch phase (0 for none).
    public var lloydIterations: Int
    /// Lloyd stops once inertia improves by less than this fraction.
    public var tolerance: Double
    /// Frames k-means++ seeds from (a random subset when the data is larger); 0 seeds from all frames.
    public var initSampleSize: Int
    /// Candidates tried per k-means++ centroid (the one lowering inertia most is kept); 0 means 2 + ⌊ln k⌋.
    public var seedingTrials: Int
    /// Every this many mini-batch steps, centroids that won no frame since the last check are re-seeded.
    public var reassignInterval: Int

    public init(clusters: Int, seed: UInt64 = 0, batchSize: Int = 4096, miniBatchSteps: Int = 100,
                lloydIterations: Int = 0, tolerance: Double = 1e-4, initSampleSize: Int = 20_000,
                seedingTrials: Int = 0, reassignInterval: Int = 10) {
        self.clusters = clusters
        self.seed = seed
        self.batchSize = batchSize
        self.miniBatchSteps = miniBatchSteps
        self.lloydIterations = lloydIterations
        self.tolerance = tolerance
        self.initSampleSize = initSampleSize
        self.seedingTrials = seedingTrials
        self.reassignInterval = reassignInterval
    }

    func validate(frames: Int, dimension: Int) throws {
        guard clusters >= 1 else { throw KMeansError.invalidConfig("clusters is \(clusters); use at least 1") }
        guard dimension >= 1 else { throw KMeansError.invalidConfig("frames have dimension \(dimension); need at least 1") }
        guard frames >= clusters else { throw KMeansError.tooFewFrames(frames: frames, clusters: clusters) }
        guard batchSize >= 1 || miniBatchSteps == 0 else {
            throw KMeansError.invalidConfig("batchSize is \(batchSize); use at least 1")
        }
        guard miniBatchSteps >= 0, lloydIterations >= 0, initSampleSize >= 0, seedingTrials >= 0, reassignInterval >= 1 else {
            throw KMeansError.invalidConfig("miniBatchSteps, lloydIterations, initSampleSize and seedingTrials must be ≥ 0 and reassignInterval ≥ 1")
        }
        guard tolerance >= 0, tolerance.isFinite else { throw KMeansError.invalidConfig("tolerance \(tolerance) must be finite and ≥ 0") }
    }
}

// MARK: - Errors

/// Why a k-means fit, assignment or model file was refused.
public enum KMeansError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case tooFewFrames(frames: Int, clusters: Int)
    case shapeMismatch(expected: String, got: [Int])
    case nonFinite(frame: Int)
    case badModelFile(String)

    public var description: String {
        switch self {
        case .invalidConfig(let why): return "k-means settings are invalid: \(why)"
        case .tooFewFrames(let frames, let clusters):
            return "k-means needs at least as many frames as clusters: \(frames) frames for \(clusters) clusters; add data or lower k"
        case .shapeMismatch(let expected, let got):
            return "k-means expected frames of shape \(expected), got \(got)"
        case .nonFinite(let frame): return "frame \(frame) contains NaN or infinity; clean the features before clustering"
        case .badModelFile(let why): return "cannot read k-means model: \(why)"
        }
    }
}

// MARK: - Report

/// What a fit did: inertia (sum of squared distances over all frames) at each stage.
public struct KMeansReport: Codable, Equatable, Sendable {
    /// Inertia of the k-means++ seeds.
    public var initialInertia: Double
    /// Inertia after the mini-batch phase (equal to the initial one without mini-batch steps).
    public var miniBatchInertia: Double
    /// Inertia measured at the start of each Lloyd iteration.
    public var lloydInertia: [Double]
    /// Inertia of the returned centroids.
    public var finalInertia: Double
    /// Centroids re-seeded from far frames because they had no frames.
    public var reseededClusters: Int
    /// Wall-clock seconds of the whole fit.
    public var seconds: Double
}
