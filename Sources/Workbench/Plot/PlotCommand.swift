import Foundation

/// `plot <metric> [metric…]`: draws metrics of the current run against the step.
public final class PlotCommand: WorkbenchCommand {
    public let name = "plot"
    public let usage = "plot <metric> [metric…]"
    public let summary = "plot metrics of the current run (metrics.jsonl) to a PNG; `set plot.terminal dumb` also draws it here"
    public let help = """
        plot <metric> [metric…]
            Reads metrics.jsonl of the current run, writes runs/<name>/plots/<metrics>.png (with the
            gnuplot script and data beside it) and prints its path. With `set plot.terminal dumb` the
            plot is also drawn as text in the shell.
        """
    public let arguments = [ArgumentSpec("metric", variadic: true)]
    public init() {}

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        .words(PlotCommand.metricNames(in: nil))
    }

    /// Metric names in the run's metrics.jsonl (empty when unreadable).
    static func metricNames(in run: RunDirectory?) -> [String] {
        guard let run, let records = try? MetricsLog.read(run.metricsURL) else { return ["grad_norm", "loss"] }
        return Array(Set(records.flatMap(\.values.keys))).sorted()
    }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard !words.isEmpty else { throw WorkbenchError.usage(usage) }
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
