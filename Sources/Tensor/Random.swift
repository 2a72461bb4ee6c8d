import Foundation

/// Seeded xoshiro256** generator: the same seed gives the same numbers on every run and
/// machine. Its state is plain data so that a training run can save and restore it.
public struct SeededRandom: RandomNumberGenerator, Codable, Equatable, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        s0 = SeededRandom.splitMix(&x); s1 = SeededRandom.splitMix(&x)
        s2 = SeededRandom.splitMix(&x); s3 = SeededRandom.splitMix(&x)
    }

    /// The four state words, for saving a run; setting them resumes the exact sequence.
    public var state: [UInt64] {
        get { [s0, s1, s2, s3] }
        set {
            precondition(newValue.count == 4, "a generator state has 4 words, got \(newValue.count)")
            (s0, s1, s2, s3) = (newValue[0], newValue[1], newValue[2], newValue[3])
        }
    }

    public init(from decoder: Decoder) throws {
        let words = try [UInt64](from: decoder)
        guard words.count == 4 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a generator state has 4 words"))
        }
        (s0, s1, s2, s3) = (words[0], words[1], words[2], words[3])
    }

    public func encode(to encoder: Encoder) throws { try state.encode(to: encoder) }

    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1
        s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// Standard normal (Box-Muller).
    public mutating func normal() -> Float {
        let u1 = max(uniform(), 1e-12), u2 = uniform()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
    }

    /// Uniform integer in 0..<n.
    public mutating func int(below n: Int) -> Int { Int(next() % UInt64(n)) }
}

extension Tensor {
    /// Normal(0, std²) values from `rng`.
    public static func randn(_ shape: [Int], std: Float = 1, rng: inout SeededRandom, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor.empty(shape)
        for i in 0..<t.count { t.data[i] = rng.normal() * std }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Uniform values in [low, high) from `rng`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout SeededRandom, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor.empty(shape)
        for i in 0..<t.count { t.data[i] = low + (high - low) * rng.uniform() }
        t.requiresGrad = requiresGrad
        return t
    }
}
