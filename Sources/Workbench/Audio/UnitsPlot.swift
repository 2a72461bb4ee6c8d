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
        let (plot, unitCount) = try make(for: url, model: model)
        let run = try context.state.ensureRun(prefix: "units")
        let png = try plot.writePNG(to: run.plotsURL.appendingPathComponent("units-\(url.deletingPathExtension().lastPathComponent).png"),
                                    width: 1100, height: 500)
        context.print("\(unitCount) units, \(plot.markers.count) boundaries over \(url.lastPathComponent)")
        context.print("plot: \(png.path)")
        context.state.lastOutputs["plot"] = png.path
        return CommandResult(artifacts: [Artifact(.image, png, title: "units of \(url.lastPathComponent)")])
    }

    /// The plot of `url` under `model` and the number of (deduplicated) units.
    static func make(for url: URL, model: UnitsModel) throws -> (Plot, Int) {
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
        let hop = 0.01
        var map = Heatmap(values: values, rows: mel.bins, columns: mel.frames, name: "log-mel (ln power)")
        map.xStep = hop
        // The encoder's stride-2 input layer gives one unit frame per two mel frames; a boundary lies between
        // the last mel frame of one unit and the first of the next.
        let framesPerUnit = 2
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
        return (plot, encoding.units.count)
    }
}
