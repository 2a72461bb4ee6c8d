import Foundation
import Training

/// `gap [SAMPLE] [layer=L]`, `gap history [RUN]`, `gap compare RUN RUN`: the acoustic-semantic gap,
/// cos(H, Emb(X')) against cos(Adapter(H), Emb(X')), per answer token or over training.
public final class GapCommand: WorkbenchCommand {
    public let name = "gap"
    public let usage = "gap [SAMPLE] [layer=L] | gap history [RUN] | gap compare RUN RUN"
    public let summary = "the acoustic-semantic gap: cos(H, Emb(X')) and cos(Adapter(H), Emb(X')) per answer token (table and plot), or over training"
    public let help = """
        gap [SAMPLE] [layer=L]    per token of the sample's answer X' (the loaded Echo run): the cosine of the
                                  LLM's hidden state H (after L blocks; default: the final states) with the
                                  token's embedding, and of the Denoising Adapter's output with it
        gap history [RUN]         the means of both over training steps, from metrics.jsonl (gap, cosine)
        gap compare RUN RUN       two runs (e.g. echo and conventional) on one plot
        """
    public let options = [OptionSpec("layer", help: "read H after this many LLM blocks (0…layers)")]
    public let arguments = [ArgumentSpec("sample|history|compare", completion: .words(["history", "compare"]), optional: true),
                            ArgumentSpec("run", completion: .runName, variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let parsed = try CommandOptions(words, specs: options, usage: usage)
        let rest = parsed.positional
        switch rest.first {
        case "history":
            guard rest.count <= 2, parsed["layer"] == nil else { throw WorkbenchError.usage(usage) }
            let run = try rest.count == 2 ? runDirectory(rest[1], context) : currentRun(context)
            return try drawHistory([run], title: "The gap over training — run \(run.name)", name: "gap-history", context: context)
        case "compare":
            guard rest.count == 3, parsed["layer"] == nil else { throw WorkbenchError.invalidArgument("gap compare takes two runs, e.g. `gap compare echo-tiny conventional-tiny`") }
            let runs = try rest.dropFirst().map { try runDirectory($0, context) }
            return try drawHistory(runs, title: "The gap over training — \(runs[0].name) vs \(runs[1].name)",
                                   name: "gap-compare-\(runs[0].name)-\(runs[1].name)", context: context)
        default:
            guard rest.count <= 1 else { throw WorkbenchError.usage(usage) }
            return try perToken(sampleWord: rest.first, layer: try parsed.int("layer", in: 0...4096), context: context)
        }
    }

    private func perToken(sampleWord: String?, layer: Int?, context: CommandContext) throws -> CommandResult {
        let task = try EchoSession.task(context, for: "gap")
        let sample = try EchoSession.sample(sampleWord, task)
        let gaps = try library { try task.gap(sample: sample, layer: layer) }
        guard !gaps.isEmpty else { throw WorkbenchError.failed("sample \(sample)'s answer is empty: there are no tokens to compare") }
        let where_ = layer.map { "after block \($0)" } ?? "final states"
        let job = context.state.job!
        let runName = context.state.run?.name ?? "?"
        context.print("gap — run \(runName), step \(job.completedSteps), sample \(sample) (\(gaps.count) tokens, H: \(where_))")
        context.print("   i  token                cos(H, Emb)  cos(Adapter(H), Emb)")
        for (i, g) in gaps.enumerated() {
            let token = EchoSession.text([g.token], task).replacingOccurrences(of: "\n", with: "⏎")
            context.print(String(format: "%4d  %@ %11.3f  %@", i, ("\"\(token)\"" as NSString).padding(toLength: 20, withPad: " ", startingAt: 0),
                                 g.hidden, g.adapted.map { String(format: "%20.3f", $0) } ?? "                   –"))
        }
        let meanHidden = gaps.map(\.hidden).reduce(0, +) / Double(gaps.count)
        let adapted = gaps.compactMap(\.adapted)
        context.print(String(format: "mean  %@ %11.3f  %@", ("" as NSString).padding(toLength: 20, withPad: " ", startingAt: 0), meanHidden,
                             adapted.isEmpty ? "" : String(format: "%20.3f", adapted.reduce(0, +) / Double(adapted.count))))
        let x = gaps.indices.map(Double.init)
        var series = [PlotSeries(name: "cos(H, Emb(X'))", x: x, y: gaps.map(\.hidden))]
        if adapted.count == gaps.count { series.append(PlotSeries(name: "cos(Adapter(H), Emb(X'))", x: x, y: adapted)) }
        var plot = Plot(title: "Acoustic-semantic gap — run \(runName), step \(job.completedSteps), sample \(sample) (H: \(where_))",
                        xLabel: "answer token", yLabel: "cosine with the token's embedding", content: .lines(series))
        plot.xTicks = gaps.enumerated().map { (Double($0.offset), EchoSession.text([$0.element.token], task)) }
        return try draw(plot, name: "gap-sample\(sample)" + (layer.map { "-layer\($0)" } ?? ""), context: context)
    }

    private func drawHistory(_ runs: [RunDirectory], title: String, name: String, context: CommandContext) throws -> CommandResult {
        context.state.openMetrics?.close()
        var series: [PlotSeries] = []
        for run in runs {
            let records = try library { try MetricsLog.read(run.metricsURL) }
            for (metric, label) in [("gap", "cos(H, Emb(X'))"), ("cosine", "cos(Adapter(H), Emb(X'))")] {
                let points = records.compactMap { r in r.values[metric].map { (Double(r.step), $0) } }
                guard !points.isEmpty else {
                    throw WorkbenchError.invalidArgument("\(run.name) logged no '\(metric)': it is not an Echo run (train one with `train echo`)")
                }
                series.append(PlotSeries(name: runs.count > 1 ? "\(run.name): \(label)" : label, x: points.map(\.0), y: points.map(\.1)))
            }
            let last = records.last!
            context.print(String(format: "%@: step %d, mean cos(H, Emb(X')) %.3f, mean cos(Adapter(H), Emb(X')) %.3f", run.name, last.step,
                                 last.values["gap"] ?? .nan, last.values["cosine"] ?? .nan))
        }
        return try draw(Plot(title: title, xLabel: "step", yLabel: "mean cosine with Emb(X') over the batch", content: .lines(series)),
                        name: name, context: context)
    }

    private func draw(_ plot: Plot, name: String, context: CommandContext) throws -> CommandResult {
        let url = try library { try plot.writePNG(to: try EchoSession.plots(context).appendingPathComponent(name + ".png")) }
        if context.state.settings.word("plot.terminal") == "dumb" { context.print(try plot.renderText()) }
        context.print("plot: \(url.path)")
        context.state.lastOutputs["plot"] = url.path
        return CommandResult(artifacts: [Artifact(.image, url, title: plot.title)])
    }

    private func currentRun(_ context: CommandContext) throws -> RunDirectory {
        guard let run = context.state.run else { throw WorkbenchError.invalidArgument("no current run: `load echo RUN`, or give one: `gap history RUN`") }
        return run
    }

    private func runDirectory(_ word: String, _ context: CommandContext) throws -> RunDirectory {
        let url = StageRun.location(word, runsRoot: context.state.runsRoot)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("metrics.jsonl").path) else {
            throw WorkbenchError.invalidArgument("no run with metrics at \(url.path) (`run list` shows the runs)")
        }
        return try library { try StageRun.directory(word, runsRoot: context.state.runsRoot) }
    }
}
