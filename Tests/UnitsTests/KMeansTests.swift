import Foundation
import XCTest
import Tensor
@testable import Units

final class KMeansTests: XCTestCase {
    // MARK: - Data

    /// `perBlob` frames around each of `blobs` random centres spread `spread` apart (std 1 noise), shuffled.
    static func blobs(_ blobs: Int, perBlob: Int, dimension: Int, spread: Float, seed: UInt64) -> (frames: Tensor, labels: [Int]) {
        var rng = SeededRandom(seed: seed)
        let centres = (0..<blobs * dimension).map { _ in rng.normal() * spread }
        let n = blobs * perBlob
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
        let frames = Tensor.empty([n, dimension])
        var labels = [Int](repeating: 0, count: n)
        for (slot, item) in order.enumerated() {
            let blob = item / perBlob
            labels[slot] = blob
            for j in 0..<dimension { frames.data[slot * dimension + j] = centres[blob * dimension + j] + rng.normal() }
        }
        return (frames, labels)
    }

    /// Fraction of frames whose cluster's majority true label is their own.
    static func purity(_ units: [Int32], _ labels: [Int], clusters: Int) -> Double {
        var table = [[Int: Int]](repeating: [:], count: clusters)
        for (u, l) in zip(units, labels) { table[Int(u)][l, default: 0] += 1 }
        return Double(table.reduce(0) { $0 + ($1.values.max() ?? 0) }) / Double(units.count)
    }

    // MARK: - Clustering quality

    func testRecoversSeparatedBlobs() throws {
        let (frames, labels) = Self.blobs(12, perBlob: 400, dimension: 16, spread: 6, seed: 1)
        let config = KMeansConfig(clusters: 12, seed: 7, batchSize: 512, miniBatchSteps: 40, lloydIterations: 10)
        let (model, report) = try KMeans.fit(frames, config: config)
        let units = try model.assign(frames)
        let purity = Self.purity(units, labels, clusters: 12)
        XCTAssertGreaterThanOrEqual(purity, 0.99, "purity \(purity)")
        XCTAssertEqual(Set(units).count, 12, "every blob should own one centroid")
        XCTAssertEqual(model.inertia, report.finalInertia / Double(frames.shape[0]), accuracy: 1e-9)
        // Frames have unit variance in 16 dimensions: mean squared distance to the true centre ≈ 16.
        XCTAssertLessThan(model.inertia, 17.5)
        print("k-means blobs: purity \(purity), inertia/frame \(model.inertia), report \(report)")
    }

    func testInertiaDecreases() throws {
        let (frames, _) = Self.blobs(20, perBlob: 150, dimension: 8, spread: 2, seed: 3)
        let config = KMeansConfig(clusters: 20, seed: 5, batchSize: 256, miniBatchSteps: 30, lloydIterations: 15, tolerance: 0)
        let (_, report) = try KMeans.fit(frames, config: config)
        XCTAssertLessThan(report.miniBatchInertia, report.initialInertia)
        XCTAssertLessThanOrEqual(report.finalInertia, report.miniBatchInertia)
        let sequence = report.lloydInertia + [report.finalInertia]
        for (a, b) in zip(sequence, sequence.dropFirst()) {
            XCTAssertLessThanOrEqual(b, a * (1 + 1e-5), "Lloyd inertia rose: \(sequence)")
        }
        print("k-means inertia: init \(report.initialInertia), mini-batch \(report.miniBatchInertia), Lloyd \(report.lloydInertia), final \(report.finalInertia)")
    }

    // MARK: - Determinism

    func testSameSeedSameCentroids() throws {
        let (frames, _) = Self.blobs(6, perBlob: 300, dimension: 10, spread: 3, seed: 11)
        let config = KMeansConfig(clusters: 9, seed: 42, batchSize: 128, miniBatchSteps: 25, lloydIterations: 3)
        let a = try KMeans.fit(frames, config: config).model
        let b = try KMeans.fit(frames, config: config).model
        XCTAssertEqual(a.centroids, b.centroids)
        var other = config
        other.seed = 43
        let c = try KMeans.fit(frames, config: other).model
        XCTAssertNotEqual(a.centroids, c.centroids)
    }

    // MARK: - Empty and idle clusters

    func testIdleCentroidsAreReseeded() throws {
        // 2000 frames near the origin and one far outlier: seeding picks the outlier, whose centroid
        // then rarely wins a frame of a small batch and is moved onto a far batch frame.
        var rng = SeededRandom(seed: 9)
        var values = (0..<2000 * 2).map { _ in rng.normal() }
        values += [500, 500]
        let frames = Tensor(values, shape: [2001, 2])
        let config = KMeansConfig(clusters: 4, seed: 1, batchSize: 8, miniBatchSteps: 200, lloydIterations: 5, reassignInterval: 5)
        let (model, report) = try KMeans.fit(frames, config: config)
        XCTAssertGreaterThan(report.reseededClusters, 0)
        XCTAssertTrue(model.centroids.allSatisfy(\.isFinite))
        XCTAssertEqual(Set(try model.assign(frames)).count, 4, "no centroid should stay empty")
    }

    func testDuplicateFramesStayValid() throws {
        // Only three distinct frames for five clusters: seeding repeats frames, and Lloyd re-seeds empties.
        let values: [Float] = (0..<60).flatMap { i -> [Float] in [Float(i % 3), Float(i % 3) * 2] }
        let frames = Tensor(values, shape: [60, 2])
        let (model, report) = try KMeans.fit(frames, config: KMeansConfig(clusters: 5, seed: 2, miniBatchSteps: 0, lloydIterations: 4))
        XCTAssertEqual(report.finalInertia, 0, accuracy: 1e-6)
        XCTAssertTrue(try model.assign(frames).allSatisfy { $0 >= 0 && $0 < 5 })
    }

    // MARK: - Errors

    func testBadInputIsRefused() throws {
        let frames = Tensor(zeros: [4, 3])
        XCTAssertThrowsError(try KMeans.fit(frames, config: KMeansConfig(clusters: 5))) { error in
            XCTAssertTrue("\(error)".contains("4 frames for 5 clusters"), "\(error)")
        }
        XCTAssertThrowsError(try KMeans.fit(Tensor(zeros: [12]), config: KMeansConfig(clusters: 2)))
        let withNaN = Tensor([0, 1, .nan, 3, 4, 5], shape: [3, 2])
        XCTAssertThrowsError(try KMeans.fit(withNaN, config: KMeansConfig(clusters: 2))) { error in
            XCTAssertEqual(error as? KMeansError, .nonFinite(frame: 1))
        }
        let model = try KMeansModel(clusters: 2, dimension: 3, centroids: [0, 0, 0, 1, 1, 1])
        XCTAssertThrowsError(try model.assign(Tensor(zeros: [4, 2])))
        XCTAssertThrowsError(try KMeansModel(clusters: 2, dimension: 3, centroids: [0, 0, 0]))
    }

    // MARK: - Files

    func testSaveAndLoad() throws {
        let (frames, _) = Self.blobs(4, perBlob: 50, dimension: 5, spread: 4, seed: 21)
        let model = try KMeans.fit(frames, config: KMeansConfig(clusters: 4, seed: 3, batchSize: 64, miniBatchSteps: 10)).model
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("units.kmeans")
        try model.save(to: url)
        let loaded = try KMeansModel.load(from: url)
        XCTAssertEqual(loaded, model)
        XCTAssertEqual(try loaded.assign(frames), try model.assign(frames))
        let json = try JSONDecoder().decode(KMeansModel.self, from: JSONEncoder().encode(model))
        XCTAssertEqual(json, model)
        var truncated = try Data(contentsOf: url)
        truncated.removeLast(3)
        XCTAssertThrowsError(try KMeansModel(encoded: truncated)) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        XCTAssertThrowsError(try KMeansModel(encoded: Data("hello".utf8)))
    }

    // MARK: - Unit extraction

    func testDeduplicateKeepsRunLengths() throws {
        let frames: [Int32] = [5, 5, 2, 2, 2, 7, 5, 5]
        let (units, durations) = UnitSequence.deduplicate(frames)
        XCTAssertEqual(units, [5, 2, 7, 5])
        XCTAssertEqual(durations, [2, 3, 1, 2])
        XCTAssertEqual(try UnitSequence.expand(units: units, durations: durations), frames)
        XCTAssertTrue(UnitSequence.deduplicate([]).units.isEmpty)
        XCTAssertThrowsError(try UnitSequence.expand(units: [1, 2], durations: [1]))
    }

    // MARK: - Speed

    func testSpeedOnManyFrames() throws {
        #if DEBUG
        let (perBlob, steps) = (200, 20)     // unoptimised builds run the same code on 20k frames
        #else
        let (perBlob, steps) = (2000, 100)   // 200k frames × 64 dimensions in release
        #endif
        let (frames, labels) = Self.blobs(100, perBlob: perBlob, dimension: 64, spread: 1.5, seed: 5)
        let config = KMeansConfig(clusters: 100, seed: 1, batchSize: 4096, miniBatchSteps: steps, lloydIterations: 5)
        let (model, report) = try KMeans.fit(frames, config: config)
        let start = Date()
        let units = try model.assign(frames)
        let assignSeconds = Date().timeIntervalSince(start)
        let purity = Self.purity(units, labels, clusters: 100)
        print("k-means speed: \(frames.shape[0])×64, k=100: fit \(String(format: "%.2f", report.seconds)) s, assign \(String(format: "%.3f", assignSeconds)) s, purity \(purity), inertia \(report.initialInertia) → \(report.finalInertia)")
        XCTAssertLessThan(report.seconds, 20)
        XCTAssertGreaterThan(purity, 0.9)
    }
}
