import Foundation

/// `plot <metric> [metric…]`: draws metrics of the current run against the step.
public final class PlotCommand: WorkbenchCommand {
    /// A plot of something other than metrics, chosen by its first word (`plot units <wav>`).
    public struct Kind {
        public var word: String
        public var usage: String
        public var summary: String
        public var argumentCompletion: CompletionKind
        public var draw: ([String], CommandContext) throws -> CommandResult

        public init(word: String, usage: String, summary: String, argumentCompletion: CompletionKind = .none,
                    draw: @escaping ([String], CommandContext) throws -> CommandResult) {
            self.word = word; self.usage = usage; self.summary = summary
            self.argumentCompletion = argumentCompletion; self.draw = draw
        }
    }

    public let name = "plot"
    public var usage: String { (["plot <metric> [metric…]"] + kinds.keys.sorted().map { "plot " + kinds[$0]!.usage }).joined(separator: " | ") }
    public let summary = "plot metrics of the current run (metrics.jsonl) to a PNG; `set plot.terminal dumb` also draws it here"
    public var help: String {
        """
        plot <metric> [metric…]
            Reads metrics.jsonl of the current run, writes runs/<name>/plots/<metrics>.png (with the
            gnuplot script and data beside it) and prints its path. With `set plot.terminal dumb` the
            plot is also drawn as text in the shell.
        """ + kinds.keys.sorted().map { "\nplot \(kinds[$0]!.usage)\n    \(kinds[$0]!.summary)" }.joined()
    }
    public let arguments = [ArgumentSpec("metric", variadic: true)]
    public private(set) var kinds: [String: Kind] = [:]
    public init() {}

    /// Adds a plot kind; its word takes precedence over a metric of the same name.
    public func register(_ kind: Kind) { kinds[kind.word] = kind }

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        if index > 0, let kind = kinds[previous[0]] { return kind.argumentCompletion }
        return .words(PlotCommand.metricNames(in: nil) + (index == 0 ? kinds.keys.sorted() : []))
    }

    /// Metric names in the run's metrics.jsonl (empty when unreadable).
    static func metricNames(in run: RunDirectory?) -> [String] {
        guard let run, let records = try? MetricsLog.read(run.metricsURL) else { return ["grad_norm", "loss"] }
        return Array(Set(records.flatMap(\.values.keys))).sorted()
    }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard !words.isEmpty else { throw WorkbenchError.usage(usage) }
        if let kind = kinds[words[0]] { return try kind.draw(Array(words.dropFirst()), context) }
        guard let run = context.state.run else {
            throw WorkbenchError.invalidArgument("no current run — train first, or pick one with `run use <name>`")
        }
        context.state.openMetrics?.close()
        let records = try MetricsLog.read(run.metricsURL)
        var series: [PlotSeries] = []
        for metric in words {
            let points = records.compactMap { record in record.values[metric].map { (Double(record.step), $0) } }
            guard !points.isEmpty else {
                let known = PlotCommand.metricNames(in: run).joined(separator: ", ")
                throw WorkbenchError.invalidArgument("no values of '\(metric)' in \(run.metricsURL.path) — metrics there: \(known)")
            }
            series.append(PlotSeries(name: metric, x: points.map(\.0), y: points.map(\.1)))
        }
        let plot = Plot(title: "\(words.joined(separator: ", ")) — run \(run.name)", xLabel: "step",
                        yLabel: words.joined(separator: ", "), content: .lines(series))
        let fileName = words.joined(separator: "+").replacingOccurrences(of: "/", with: "_") + ".png"
        let url = try plot.writePNG(to: run.plotsURL.appendingPathComponent(fileName))
        if context.state.settings.word("plot.terminal") == "dumb" {
            context.print(try plot.renderText())
        }
        context.print("plot: \(url.path)")
        context.state.lastOutputs["plot"] = url.path
        return CommandResult(artifacts: [Artifact(.image, url, title: "plot \(words.joined(separator: " "))")])
    }
}
