import Foundation

/// Learning rate: linear warmup from 0, then cosine decay to `minRate` at `totalSteps`.
public struct WarmupCosine: Codable, Equatable, Sendable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minRate: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minRate: Float = 0) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.minRate = minRate
    }

    /// Rate for 0-based step `step`.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if step >= totalSteps { return minRate }
        let progress = Float(step - warmupSteps) / Float(max(1, totalSteps - warmupSteps))
        return minRate + 0.5 * (peak - minRate) * (1 + cosf(.pi * progress))
    }
}
