import Evaluation
import Foundation
import Training

/// `pairs WORD WORD…`: the paper's minimal pairs — text-embedding cosine beside the normalised unit
/// edit distance of the target voice saying each word, as a table and a labelled scatter plot.
public final class PairsCommand: WorkbenchCommand {
    public let name = "pairs"
    public let usage = "pairs WORD WORD…"
    public let summary = "minimal pairs (e.g. pairs Hi Hello High): meaning (text-embedding cosine) against sound (unit edit distance)"
    public let help = """
        pairs Hi Hello High     for every pair of the words: the cosine of their LLM text embeddings and the
                                normalised edit distance of their unit sequences (the loaded Echo run's units
                                model, its target voice saying each word); a table and a scatter plot.
                                `play pair Hi High` plays both words.
        """
    public let arguments = [ArgumentSpec("word", variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard words.count >= 2 else { throw WorkbenchError.invalidArgument("pairs needs at least two words, e.g. `pairs Hi Hello High`") }
        guard words.count <= 12 else { throw WorkbenchError.invalidArgument("pairs takes at most 12 words (\(words.count) given make \(words.count * (words.count - 1) / 2) pairs)") }
        let task = try EchoSession.task(context, for: "pairs")
        guard let units = task.units, let encode = task.encode else { throw WorkbenchError.failed("the loaded Echo job has no units model") }
        let pairs = try library { try MinimalPairs(model: units, table: task.stack.llm.embedding.weight, encode: encode).measure(words) }
        context.print("pair                      text cosine   unit distance")
        for p in pairs {
            context.print(String(format: "%@ %11.3f %15.3f", ("\(p.first) – \(p.second)" as NSString).padding(toLength: 24, withPad: " ", startingAt: 0),
                                 p.textCosine, p.unitDistance))
        }
        var plot = Plot(title: "Minimal pairs: meaning against sound (target voice \(units.config.targetVoice))",
                        xLabel: "cosine of the text embeddings (meaning)", yLabel: "normalised unit edit distance (sound)",
                        content: .points(LabelledPoints(name: "word pairs", x: pairs.map(\.textCosine), y: pairs.map(\.unitDistance),
                                                        labels: pairs.map { "\($0.first)–\($0.second)" })))
        plot.logScaleY = false
        let url = try library { try plot.writePNG(to: try EchoSession.plots(context).appendingPathComponent("pairs-" + AudioPaths.slug(words.joined(separator: " ")) + ".png")) }
        if context.state.settings.word("plot.terminal") == "dumb" { context.print(try plot.renderText()) }
        context.print("plot: \(url.path)")
        context.state.lastOutputs["plot"] = url.path
        return CommandResult(artifacts: [Artifact(.image, url, title: plot.title)])
    }
}
