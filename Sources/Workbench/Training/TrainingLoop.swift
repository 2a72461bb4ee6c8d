import Foundation
import Training

// MARK: - Stop conditions

/// `metric<op>value`, e.g. `loss<0.01` or `grad_norm >= 2`.
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
            guard !metric.isEmpty, let value = Double(number) else { break }
            self.metric = metric
            self.comparison = comparison
            self.value = value
            return
        }
        throw WorkbenchError.invalidArgument("cannot read condition '\(text)' — write it as <metric><op><value>, e.g. loss<0.01 (op: < <= > >=)")
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

// MARK: - Loop

/// How a run of steps ended.
public struct TrainingOutcome {
    public var stepsRun: Int
    public var last: StepReport?
    public var interrupted: Bool
    public var conditionMet: Bool
}

/// Steps a job, logging every step to the run's metrics.jsonl and stopping at step boundaries.
public enum TrainingLoop {
    /// Runs up to `maxSteps` steps, until `condition` holds, or until Ctrl-C.
    public static func run(_ job: TrainingJob, maxSteps: Int, until condition: StopCondition? = nil,
                           context: CommandContext, label: String = "train") throws -> TrainingOutcome {
        let state = context.state
        try job.apply(settings: state.settings)
        let run = try state.ensureRun(prefix: job.name)
        let log = state.metricsLog(for: run)
        let progress = context.progress(label, total: condition == nil ? maxSteps : nil)
        var outcome = TrainingOutcome(stepsRun: 0, last: nil, interrupted: false, conditionMet: false)
        defer { progress.finish() }
        while outcome.stepsRun < maxSteps {
            if context.isCancelled { outcome.interrupted = true; break }
            let report = try job.step()
            outcome.stepsRun += 1
            outcome.last = report
            let metrics = report.metrics
            try log.append(MetricsRecord(step: report.step, values: metrics))
            progress.update(done: outcome.stepsRun, step: report.step, metrics: report.headline)
            if let condition, condition.isMet(by: metrics) { outcome.conditionMet = true; break }
        }
        if let last = outcome.last {
            progress.update(done: outcome.stepsRun, step: last.step, metrics: last.headline, force: true)
        }
        state.lastOutputs["metrics"] = run.metricsURL.path
        return outcome
    }

    /// A one-line summary printed after the loop.
    public static func summary(_ outcome: TrainingOutcome, requested: Int?) -> String {
        let at = outcome.last.map { "step \($0.step)" } ?? "no step"
        let losses = outcome.last?.headline.map { "\($0.0) \(formatNumber($0.1))" }.joined(separator: ", ") ?? ""
        if outcome.interrupted {
            let left = requested.map { ", \($0 - outcome.stepsRun) of \($0) steps not run" } ?? ""
            return "interrupted: stopped at a step boundary after \(at) (\(outcome.stepsRun) steps this time\(left)); \(losses)"
        }
        if outcome.conditionMet { return "condition met at \(at) after \(outcome.stepsRun) steps; \(losses)" }
        return "ran \(outcome.stepsRun) steps, now at \(at); \(losses)"
    }
}
