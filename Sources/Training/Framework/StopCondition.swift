import Foundation

/// `metric<op>value`, e.g. `loss<0.01`, `grad_norm >= 2` or `step>=400`.
public struct StopCondition: Equatable, Sendable {
    public enum Comparison: String, Sendable, CaseIterable { case lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">" }
    public var metric: String
    public var comparison: Comparison
    public var value: Double

    /// Parses the condition (spaces around the operator allowed).
    public init(parsing text: String) throws {
        let compact = text.filter { !$0.isWhitespace }
        for comparison in Comparison.allCases {   // two-character operators first
            guard let range = compact.range(of: comparison.rawValue) else { continue }
            let metric = String(compact[..<range.lowerBound])
            let number = String(compact[range.upperBound...])
            guard !metric.isEmpty, let value = Double(number), value.isFinite else { break }
            self.metric = metric
            self.comparison = comparison
            self.value = value
            return
        }
        throw TrainingError("cannot read condition '\(text)' — write it as <metric><op><value>, e.g. loss<0.01 or step>=400 (op: < <= > >=)")
    }

    /// True when the metric is present and satisfies the comparison.
    public func isMet(by metrics: [String: Double]) -> Bool {
        guard let actual = metrics[metric] else { return false }
        switch comparison {
        case .less: return actual < value
        case .lessOrEqual: return actual <= value
        case .greater: return actual > value
        case .greaterOrEqual: return actual >= value
        }
    }
}
