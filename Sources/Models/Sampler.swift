import Foundation
import Tensor

/// How the next token is chosen from logits.
public struct SamplingOptions: Equatable, Sendable {
    /// 0 means greedy (argmax); otherwise logits are divided by it before the softmax.
    public var temperature: Float
    /// Keep only the k most likely tokens (0 = no limit).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p (1 = no limit).
    public var topP: Float
    /// Seed of the sampling generator.
    public var seed: UInt64

    public init(temperature: Float = 0.7, topK: Int = 40, topP: Float = 0.9, seed: UInt64 = 0) {
        self.temperature = temperature; self.topK = topK; self.topP = topP; self.seed = seed
    }

    /// Always the most likely token.
    public static let greedy = SamplingOptions(temperature: 0, topK: 0, topP: 1)
}

/// Picks next tokens from logits: greedy, or temperature + top-k + top-p with a seeded generator.
public struct Sampler {
    public let options: SamplingOptions
    private var rng: SeededRandom

    public init(_ options: SamplingOptions) {
        self.options = options
        rng = SeededRandom(seed: options.seed)
    }

    /// The index of the largest logit (the first one on ties).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0, value = -Float.infinity
        for i in logits.indices where logits[i] > value { value = logits[i]; best = i }
        return best
    }

    /// The next token for `logits` [V].
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int {
        guard options.temperature > 0 else { return Sampler.argmax(logits) }
        let pool = Sampler.candidates(logits, temperature: options.temperature, topK: options.topK, topP: options.topP)
        var u = rng.uniform()
        for c in pool {
            u -= c.probability
            if u < 0 { return c.id }
        }
        return pool.last?.id ?? Sampler.argmax(logits)
    }

    /// The next token for a logits array.
    public mutating func sample(_ logits: [Float]) -> Int {
        logits.withUnsafeBufferPointer { sample($0) }
    }

    /// The tokens that may be drawn and their renormalised probabilities, most likely first:
    /// softmax(logits / temperature), cut to the `topK` most likely (0 = all), then to the smallest
    /// prefix whose probability reaches `topP`. Settings outside their ranges are taken at the nearest
    /// end (top-k beyond V as V, top-p below 0 as 0, above 1 or NaN as 1); the most likely token always remains.
    public static func candidates(_ logits: UnsafeBufferPointer<Float>, temperature: Float, topK: Int, topP: Float) -> [(id: Int, probability: Float)] {
        let n = logits.count
        guard n > 0 else { return [] }
        let topK = min(topK, n), topP = topP.isNaN ? 1 : min(max(topP, 0), 1)
        let t = max(temperature, 1e-6)
        var m = -Float.infinity
        for v in logits where v > m { m = v }
        var total: Double = 0
        for v in logits { total += Double(Foundation.exp((v - m) / t)) }
        // Tokens below (1 − p)/V of the mass can never be in the top-p set, so they are skipped
        // before sorting; with top-k the k largest are kept.
        let floor = topP < 1 ? Float((1 - Double(topP)) / Double(n)) : 0
        var pool: [(id: Int, probability: Float)] = []
        pool.reserveCapacity(topK > 0 ? topK + 1 : 256)
        for i in 0..<n {
            let p = Float(Double(Foundation.exp((logits[i] - m) / t)) / total)
            if p < floor || p == 0 { continue }
            pool.append((i, p))
        }
        pool.sort { $0.probability > $1.probability || ($0.probability == $1.probability && $0.id < $1.id) }
        if topK > 0 && pool.count > topK { pool.removeLast(pool.count - topK) }
        if topP < 1 {
            var kept = 0, mass: Float = 0
            let target = topP * pool.reduce(0) { $0 + $1.probability }
            while kept < pool.count && mass < target { mass += pool[kept].probability; kept += 1 }
            pool.removeLast(pool.count - max(1, kept))
        }
        let sum = pool.reduce(0) { $0 + $1.probability }
        guard !pool.isEmpty, sum > 0 else { return [(argmax(logits), 1)] }
        return pool.map { ($0.id, $0.probability / sum) }
    }
}
