import Foundation

/// What one optimisation step reports.
public struct StepReport: Sendable {
    /// The step number just finished (1-based).
    public var step: Int
    /// Named losses (`loss` is the total the shell shows first).
    public var losses: [String: Double]
    /// Global gradient norm before clipping, when known.
    public var gradNorm: Double?
    /// Tokens (or examples) processed by the step.
    public var tokens: Int
    /// Learning rate used by the step.
    public var learningRate: Double?
    /// Lines worth printing once (a stage finished, a file was written); not part of the metrics.
    public var notes: [String] = []

    public init(step: Int, losses: [String: Double], gradNorm: Double? = nil, tokens: Int = 0, learningRate: Double? = nil,
                notes: [String] = []) {
        self.notes = notes
        self.step = step
        self.losses = losses
        self.gradNorm = gradNorm
        self.tokens = tokens
        self.learningRate = learningRate
    }

    /// Flat metric record: losses plus grad_norm, tokens and lr.
    public var metrics: [String: Double] {
        var all = losses
        if let gradNorm { all["grad_norm"] = gradNorm }
        all["tokens"] = Double(tokens)
        if let learningRate { all["lr"] = learningRate }
        return all
    }

    /// Losses first (`loss` leading), then grad norm, for progress lines.
    public var headline: [(String, Double)] {
        var items = losses.sorted { ($0.key == "loss" ? "" : $0.key) < ($1.key == "loss" ? "" : $1.key) }.map { ($0.key, $0.value) }
        if let gradNorm { items.append(("grad", gradNorm)) }
        return items
    }
}
