import Audio
import Foundation
import Units

/// `plot units [wav]`: the log-mel spectrogram of a WAV as a heatmap with a vertical line wherever the unit changes.
public enum UnitsPlot {
    static let usage = "units [wav]"

    /// The plot kind registered on `plot`.
    public static let kind = PlotCommand.Kind(
        word: "units", usage: usage,
        summary: "log-mel spectrogram of a WAV (default: the current sample) with the loaded units model's unit boundaries",
        argumentCompletion: .filePath
    ) { words, context in
        guard words.count <= 1 else { throw WorkbenchError.usage("plot " + usage) }
        let model = try context.state.unitsModel()
        let url = try AudioPaths.inputAudio(words.first, in: context, usage: "plot " + usage)
        let (plot, encoding) = try make(for: url, model: model)
        let run = try context.state.ensureRun(prefix: "units")
        let png = try plot.writePNG(to: run.plotsURL.appendingPathComponent("units-\(url.deletingPathExtension().lastPathComponent).png"),
                                    width: 1100, height: 500)
        context.print("\(encoding.units.count) units, \(plot.markers.count) boundaries over \(url.lastPathComponent)")
        // A heatmap does not draw as text; the text terminal gets the unit sequence on its time line.
        if context.state.settings.word("plot.terminal") == "dumb" { context.print(timeline(encoding)) }
        context.print("plot: \(png.path)")
        context.state.lastOutputs["plot"] = png.path
        return CommandResult(artifacts: [Artifact(.image, png, title: "units of \(url.lastPathComponent)")])
    }

    /// Seconds per mel frame, and mel frames per unit frame (the encoder's stride-2 input layer).
    static let hop = 0.01, framesPerUnit = 2

    /// The units with their start times, `unit@seconds`, wrapped at 96 columns.
    static func timeline(_ encoding: UnitEncoding) -> String {
        var lines = ["units @ start time (s):"], line = "", start = 0
        for (unit, length) in zip(encoding.units, encoding.durations) {
            let item = String(format: "%d@%.2f", unit, Double(start * framesPerUnit) * hop)
            if !line.isEmpty && line.count + 1 + item.count > 96 { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + item
            start += Int(length)
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }

    /// The plot of `url` under `model`, and the encoding it shows.
    static func make(for url: URL, model: UnitsModel) throws -> (Plot, UnitEncoding) {
        let (mel, encoding) = try library { () throws -> (Spectrogram, UnitEncoding) in
            let clip = try AudioFile.read(url, sampleRate: 16_000)
            return (try LogMel().compute(clip), try model.encode(clip))
        }
        // Heatmap rows are mel bins, columns are 10 ms frames (the spectrogram is stored frame-major).
        var values = [Float](repeating: 0, count: mel.frames * mel.bins)
        mel.values.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for t in 0..<mel.frames { for b in 0..<mel.bins { target[b * mel.frames + t] = source[t * mel.bins + b] } }
            }
        }
        var map = Heatmap(values: values, rows: mel.bins, columns: mel.frames, name: "log-mel (ln power)")
        map.xStep = hop
        // A boundary lies between the last mel frame of one unit and the first of the next.
        var markers: [VerticalMarker] = []
        let labelled = encoding.units.count <= 30
        var start = 0
        for (index, length) in encoding.durations.enumerated() {
            if index > 0 { markers.append(VerticalMarker(x: (Double(start * framesPerUnit) - 0.5) * hop)) }
            if labelled, let last = markers.indices.last, index > 0 { markers[last].label = "\(encoding.units[index])" }
            start += Int(length)
        }
        var plot = Plot(title: "\(url.lastPathComponent): log-mel and \(encoding.units.count) units (\(model.kmeans.clusters)-unit model)",
                        xLabel: "time (s)", yLabel: "mel bin", content: .heatmap(map), markers: markers)
        plot.markerLegend = "unit boundary"
        return (plot, encoding)
    }
}
