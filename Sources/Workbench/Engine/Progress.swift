import Foundation

/// Reports progress of long work as one updating line: step, metrics, rate and time left.
public final class Progress {
    private let sink: OutputSink
    private let label: String
    private let total: Int?
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastDraw: UInt64 = 0
    private let minimumInterval: UInt64
    /// What is counted, in the rate (`steps/s`, `questions/s`).
    private let unit: String
    public private(set) var lastLine = ""

    /// `total` is the number of steps when known (gives an ETA); redraws at most every `interval` seconds.
    public init(_ label: String, total: Int?, sink: OutputSink, interval: Double = 0.1, unit: String = "steps") {
        self.label = label
        self.total = total
        self.sink = sink
        self.minimumInterval = UInt64(max(0, interval) * 1e9)
        self.unit = unit
    }

    /// Seconds since the reporter was made.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Records that `done` steps are finished; `force` redraws even if the last draw was recent.
    public func update(done: Int, step: Int? = nil, metrics: [(String, Double)] = [], force: Bool = false) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard force || now - lastDraw >= minimumInterval else { return }
        lastDraw = now
        lastLine = Progress.format(label: label, done: done, step: step, total: total,
                                   metrics: metrics, elapsed: elapsed, unit: unit)
        sink.progress(lastLine)
    }

    /// Prints a line that stays (a stage finished, a file was written) above the updating one.
    public func note(_ text: String) {
        sink.endProgress()
        sink.write("[\(formatDuration(elapsed))] \(text)\n")
        lastDraw = 0
    }

    /// Ends the updating line.
    public func finish() { sink.endProgress() }

    /// The text of one progress line.
    public static func format(label: String, done: Int, step: Int?, total: Int?,
                              metrics: [(String, Double)], elapsed: Double, unit: String = "steps") -> String {
        var parts = [label]
        if let total { parts.append("\(done)/\(total)") } else { parts.append("\(done)") }
        if let step { parts.append("step \(step)") }
        for (name, value) in metrics { parts.append("\(name) \(formatNumber(value))") }
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        parts.append(String(format: "%.1f", rate) + " \(unit)/s")
        if let total, rate > 0, done < total {
            parts.append("ETA " + formatDuration(Double(total - done) / rate))
        }
        return parts.joined(separator: "  ")
    }
}

// MARK: - Number formatting

/// Compact number for tables and progress lines.
public func formatNumber(_ value: Double) -> String {
    if value.isNaN || value.isInfinite { return "\(value)" }
    if value == value.rounded(), abs(value) < 1e9 { return String(Int64(value)) }
    let magnitude = abs(value)
    if magnitude >= 1e-3 && magnitude < 1e5 { return String(format: "%.4g", value) }
    return String(format: "%.3e", value)
}

/// `1h02m`, `3m05s` or `4.2s`.
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    let whole = Int(seconds)
    if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
    return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
}
