import Foundation
import Formats
import Tensor

/// Fitted k-means centroids that turn feature frames [N, D] into unit ids.
public struct KMeansModel: Codable, Equatable, Sendable {
    /// Number of centroids (units).
    public let clusters: Int
    /// Feature dimension of a frame.
    public let dimension: Int
    /// Centroids, row-major [clusters, dimension].
    public private(set) var centroids: [Float]
    /// Mean squared distance of the training frames to their centroids.
    public var inertia: Double

    /// A model from centroids [clusters, dimension]; checks the sizes.
    public init(clusters: Int, dimension: Int, centroids: [Float], inertia: Double = 0) throws {
        guard clusters >= 1, dimension >= 1 else {
            throw KMeansError.invalidConfig("a model needs clusters ≥ 1 and dimension ≥ 1, got \(clusters) and \(dimension)")
        }
        guard centroids.count == clusters * dimension else {
            throw KMeansError.invalidConfig("\(centroids.count) centroid values do not fill \(clusters) × \(dimension)")
        }
        guard centroids.allSatisfy(\.isFinite) else { throw KMeansError.invalidConfig("centroids contain NaN or infinity") }
        self.init(uncheckedClusters: clusters, dimension: dimension, centroids: centroids, inertia: inertia)
    }

    init(uncheckedClusters clusters: Int, dimension: Int, centroids: [Float], inertia: Double) {
        self.clusters = clusters
        self.dimension = dimension
        self.centroids = centroids
        self.inertia = inertia
    }

    /// The centroids as a tensor [clusters, dimension].
    public var centroidTensor: Tensor { Tensor(centroids, shape: [clusters, dimension]) }

    // MARK: - Assignment

    /// Nearest centroid of every frame of `frames` [N, D].
    public func assign(_ frames: Tensor) throws -> [Int32] {
        try assignWithDistances(frames).units
    }

    /// Nearest centroid of every frame of `frames` [N, D] and the squared distance to it.
    public func assignWithDistances(_ frames: Tensor) throws -> (units: [Int32], distances: [Float]) {
        guard frames.rank == 2, frames.shape[1] == dimension else {
            throw KMeansError.shapeMismatch(expected: "[N, \(dimension)]", got: frames.shape)
        }
        return assign(frames.data, count: frames.shape[0])
    }

    /// Nearest centroid of `count` row-major frames of `dimension` floats at `frames`.
    public func assign(_ frames: UnsafePointer<Float>, count: Int) -> (units: [Int32], distances: [Float]) {
        var units = [Int32](repeating: 0, count: count)
        var distances = [Float](repeating: 0, count: count)
        guard count > 0 else { return (units, distances) }
        var norms = [Float](repeating: 0, count: clusters)
        centroids.withUnsafeBufferPointer { c in
            norms.withUnsafeMutableBufferPointer { KMeansDistances.rowNorms(c.baseAddress!, rows: clusters, dimension: dimension, into: $0.baseAddress!) }
            norms.withUnsafeBufferPointer { cn in units.withUnsafeMutableBufferPointer { u in distances.withUnsafeMutableBufferPointer { dist in
                KMeansDistances.nearest(frames, rows: count, dimension: dimension, centroids: c.baseAddress!, clusters: clusters,
                                        centroidNorms: cn.baseAddress!, labels: u.baseAddress!, distances: dist.baseAddress!)
            } } }
        }
        return (units, distances)
    }

    // MARK: - Files

    static let magic: [UInt8] = Array("EXKMEANS".utf8)
    static let version: UInt32 = 1

    /// Binary form: "EXKMEANS", version, clusters, dimension (UInt32 LE), inertia (Float64 LE), centroids (Float32 LE).
    public func encoded() -> Data {
        var data = Data(Self.magic)
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        append(Self.version); append(UInt32(clusters)); append(UInt32(dimension)); append(inertia.bitPattern)
        data.reserveCapacity(data.count + centroids.count * 4)
        for v in centroids { append(v.bitPattern) }
        return data
    }

    /// Reads the binary form written by `encoded()`.
    public init(encoded data: Data) throws {
        let bytes = [UInt8](data)
        let header = Self.magic.count + 12 + 8
        guard bytes.count >= header, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw KMeansError.badModelFile("not a k-means model file (missing EXKMEANS header)")
        }
        func read<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
            var v: T = 0
            for i in 0..<MemoryLayout<T>.size { v |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
            return v
        }
        var offset = Self.magic.count
        let version = read(UInt32.self, at: offset)
        guard version == Self.version else { throw KMeansError.badModelFile("file version \(version); this build reads version \(Self.version)") }
        let clusters = Int(read(UInt32.self, at: offset + 4)), dimension = Int(read(UInt32.self, at: offset + 8))
        let inertia = Double(bitPattern: read(UInt64.self, at: offset + 12))
        offset = header
        let values = clusters * dimension
        guard bytes.count == offset + values * 4 else {
            throw KMeansError.badModelFile("\(bytes.count) bytes, expected \(offset + values * 4) for \(clusters) × \(dimension) centroids; the file is truncated or corrupt")
        }
        let centroids = (0..<values).map { Float(bitPattern: read(UInt32.self, at: offset + 4 * $0)) }
        try self.init(clusters: clusters, dimension: dimension, centroids: centroids, inertia: inertia)
    }

    /// Writes the binary form atomically.
    public func save(to url: URL) throws { try AtomicFile.write(encoded(), to: url) }

    /// Reads a model written by `save(to:)`.
    public static func load(from url: URL) throws -> KMeansModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw KMeansError.badModelFile("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try KMeansModel(encoded: data)
    }
}
