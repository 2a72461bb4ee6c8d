import Foundation
import Formats

// MARK: - Content

/// One named line of a line plot.
public struct PlotSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]

    public init(name: String, x: [Double], y: [Double]) {
        self.name = name
        self.x = x
        self.y = y
    }
}

/// A matrix drawn as an image: `values` is row-major [rows × columns]; row r is drawn at
/// y = yStart + r·yStep and column c at x = xStart + c·xStep (e.g. mel bins × frames).
public struct Heatmap: Sendable {
    public var values: [Float]
    public var rows: Int
    public var columns: Int
    public var xStart = 0.0, xStep = 1.0
    public var yStart = 0.0, yStep = 1.0
    /// Label of the colour scale.
    public var name: String

    public init(values: [Float], rows: Int, columns: Int, name: String) {
        self.values = values
        self.rows = rows
        self.columns = columns
        self.name = name
    }
}

/// Bars grouped by category, one bar per series in each group (e.g. accuracy per mode, one series per run).
public struct BarChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// One value per category; nil draws no bar.
        public var values: [Double?]
        public init(name: String, values: [Double?]) { self.name = name; self.values = values }
    }
    public var categories: [String]
    public var series: [Series]
    /// printf format of the label written above each bar (nil: no labels).
    public var labelFormat: String? = "%.1f"

    public init(categories: [String], series: [Series]) {
        self.categories = categories
        self.series = series
    }
}

/// Points drawn as markers, each with its label beside it (a scatter plot).
public struct LabelledPoints: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var labels: [String]
    public init(name: String, x: [Double], y: [Double], labels: [String]) { self.name = name; self.x = x; self.y = y; self.labels = labels }
}

/// A vertical line across the plot at `x` (e.g. a unit boundary), with an optional label.
public struct VerticalMarker: Sendable {
    public var x: Double
    public var label: String?
    public init(x: Double, label: String? = nil) { self.x = x; self.label = label }
}

// MARK: - Plot

/// A plot drawn by gnuplot: lines or a heatmap, with title, axis labels, legend and markers.
public struct Plot: Sendable {
    public enum Content: Sendable {
        case lines([PlotSeries])
        case heatmap(Heatmap)
        case bars(BarChart)
        case points(LabelledPoints)
    }

    /// Where gnuplot draws.
    public enum Terminal: Sendable {
        case png(width: Int, height: Int)
        case dumb(width: Int, height: Int)
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var content: Content
    public var markers: [VerticalMarker] = []
    /// Legend entry for the markers (drawn in the marker colour), e.g. "unit boundaries".
    public var markerLegend: String?
    public var logScaleY = false
    /// Named ticks on the x axis (e.g. the tokens of an answer), drawn rotated; empty: numbers.
    public var xTicks: [(Double, String)] = []

    public init(title: String, xLabel: String, yLabel: String, content: Content, markers: [VerticalMarker] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.content = content
        self.markers = markers
    }

    /// Checks shapes before anything is written.
    public func validate() throws {
        switch content {
        case .lines(let series):
            guard !series.isEmpty else { throw WorkbenchError.invalidArgument("plot '\(title)': no series to draw") }
            for s in series where s.x.count != s.y.count || s.x.isEmpty {
                throw WorkbenchError.invalidArgument("plot '\(title)': series '\(s.name)' has \(s.x.count) x and \(s.y.count) y values (need equal, ≥ 1)")
            }
        case .bars(let chart):
            guard !chart.categories.isEmpty, !chart.series.isEmpty else { throw WorkbenchError.invalidArgument("plot '\(title)': no bars to draw") }
            for s in chart.series where s.values.count != chart.categories.count {
                throw WorkbenchError.invalidArgument("plot '\(title)': series '\(s.name)' has \(s.values.count) values for \(chart.categories.count) categories")
            }
        case .points(let points):
            guard !points.x.isEmpty, points.x.count == points.y.count, points.x.count == points.labels.count else {
                throw WorkbenchError.invalidArgument("plot '\(title)': \(points.x.count) x, \(points.y.count) y and \(points.labels.count) labels (need equal, ≥ 1)")
            }
        case .heatmap(let map):
            let (cells, overflow) = map.rows.multipliedReportingOverflow(by: map.columns)
            guard map.rows >= 1, map.columns >= 1, !overflow, map.values.count == cells else {
                throw WorkbenchError.invalidArgument("plot '\(title)': heatmap has \(map.values.count) values for \(map.rows)×\(map.columns)")
            }
        }
    }

    // MARK: Script and data

    /// The data file text: line series as blocks separated by two blank lines, or the matrix rows.
    public func dataText() -> String {
        var text = ""
        switch content {
        case .lines(let series):
            for (index, s) in series.enumerated() {
                if index > 0 { text += "\n\n" }
                text += "# \(s.name)\n"
                for i in 0..<s.x.count where s.y[i].isFinite { text += "\(s.x[i]) \(s.y[i])\n" }
            }
        case .bars(let chart):
            // One row per category: its quoted name, then one value per series ("?" for none).
            for (i, category) in chart.categories.enumerated() {
                let values = chart.series.map { s in s.values[i].flatMap { $0.isFinite ? "\($0)" : nil } ?? "?" }
                text += ([quoted(category)] + values).joined(separator: " ") + "\n"
            }
        case .points(let points):
            for i in points.x.indices where points.x[i].isFinite && points.y[i].isFinite {
                text += "\(points.x[i]) \(points.y[i]) \(quoted(points.labels[i]))\n"
            }
        case .heatmap(let map):
            text.reserveCapacity(map.values.count * 8)
            for r in 0..<map.rows {
                text += map.values[(r * map.columns)..<((r + 1) * map.columns)].map { "\($0)" }.joined(separator: " ") + "\n"
            }
        }
        return text
    }

    /// The gnuplot script; `output` is nil for a text terminal writing to stdout.
    public func script(terminal: Terminal, output: String?, dataPath: String) -> String {
        var lines: [String] = []
        switch terminal {
        case .png(let width, let height):
            lines.append("set terminal pngcairo size \(width),\(height) noenhanced font 'sans,10'")
        case .dumb(let width, let height):
            lines.append("set terminal dumb size \(width),\(height) noenhanced")
        }
        if let output { lines.append("set output \(quoted(output))") }
        lines.append("set title \(quoted(title))")
        lines.append("set xlabel \(quoted(xLabel))")
        lines.append("set ylabel \(quoted(yLabel))")
        lines.append("set key top right box opaque")
        lines.append("set grid")
        if logScaleY { lines.append("set logscale y") }
        if !xTicks.isEmpty {
            lines.append("set xtics rotate by 60 right (" + xTicks.map { "\(quoted($0.1)) \($0.0)" }.joined(separator: ", ") + ")")
        }
        for marker in markers {
            lines.append("set arrow from \(marker.x), graph 0 to \(marker.x), graph 1 nohead lc rgb '#d62728' lw 1 front")
            if let label = marker.label {
                lines.append("set label \(quoted(label)) at \(marker.x), graph 0.97 left offset 0.3,0 front")
            }
        }
        switch content {
        case .lines(let series):
            let parts = series.enumerated().map { index, s in
                "\(index == 0 ? quoted(dataPath) : "''") index \(index) using 1:2 with lines lw 2 title \(quoted(s.name))"
            }
            lines.append("plot " + parts.joined(separator: ", \\\n     "))
        case .bars(let chart):
            let n = chart.series.count
            lines.append("set datafile missing '?'")
            lines.append("set style data histogram")
            lines.append("set style histogram clustered gap 1")
            lines.append("set style fill solid 0.85 border -1")
            lines.append("set boxwidth 0.9")
            lines.append("set yrange [0:*]")
            lines.append("set offsets 0, 0, graph 0.1, 0")
            lines.append("set xtics nomirror")
            var parts = chart.series.enumerated().map { index, s in
                "\(index == 0 ? quoted(dataPath) : "''") using \(index + 2)\(index == 0 ? ":xtic(1)" : "") title \(quoted(s.name))"
            }
            if let format = chart.labelFormat {
                // Bar i of a group of n sits at the group's index + (i − (n − 1)/2)/(n + gap).
                for index in 0..<n {
                    let shift = (Double(index) - Double(n - 1) / 2) / Double(n + 1)
                    parts.append("'' using ($0 + \(shift)):\(index + 2):(sprintf(\(quoted(format)), $\(index + 2))) with labels offset 0,0.7 notitle")
                }
            }
            lines.append("plot " + parts.joined(separator: ", \\\n     "))
        case .points(let points):
            lines.append("set offsets graph 0.05, graph 0.15, graph 0.08, graph 0.08")
            lines.append("plot \(quoted(dataPath)) using 1:2 with points pt 7 ps 1.5 title \(quoted(points.name)), \\\n     '' using 1:2:3 with labels offset 1,0.6 left notitle")
        case .heatmap(let map):
            lines.append("set cblabel \(quoted(map.name))")
            lines.append("set palette rgbformulae 33,13,10")
            lines.append("set xrange [\(map.xStart - map.xStep / 2):\(map.xStart + (Double(map.columns) - 0.5) * map.xStep)]")
            lines.append("set yrange [\(map.yStart - map.yStep / 2):\(map.yStart + (Double(map.rows) - 0.5) * map.yStep)]")
            lines.append("plot \(quoted(dataPath)) matrix using (\(map.xStart) + $1 * \(map.xStep)):(\(map.yStart) + $2 * \(map.yStep)):3 with image title \(quoted(map.name))")
        }
        if let legend = markerLegend, !markers.isEmpty {
            lines[lines.count - 1] += ", \\\n     NaN with lines lc rgb '#d62728' lw 1 title \(quoted(legend))"
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Rendering

    /// Writes `<url>` as a PNG, keeping the script (`.gp`) and data (`.dat`) beside it; returns the PNG URL.
    @discardableResult
    public func writePNG(to url: URL, width: Int = 900, height: Int = 540, timeout: Double = 60,
                         gnuplot: String = Gnuplot.executable) throws -> URL {
        try validate()
        let base = url.deletingPathExtension()
        let dataURL = base.appendingPathExtension("dat"), scriptURL = base.appendingPathExtension("gp")
        try AtomicFile.write(Data(dataText().utf8), to: dataURL)
        try AtomicFile.write(Data(script(terminal: .png(width: width, height: height), output: url.path, dataPath: dataURL.path).utf8), to: scriptURL)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let tempScript = script(terminal: .png(width: width, height: height), output: temp.path, dataPath: dataURL.path)
        _ = try Gnuplot.run(script: tempScript, timeout: timeout, executable: gnuplot)
        guard let size = (try? FileManager.default.attributesOfItem(atPath: temp.path))?[.size] as? Int, size > 0 else {
            try? FileManager.default.removeItem(at: temp)
            throw WorkbenchError.failed("gnuplot wrote no image for '\(title)' — run `gnuplot \(scriptURL.path)` to see why")
        }
        guard rename(temp.path, url.path) == 0 else { throw WorkbenchError.failed("cannot move the plot to \(url.path)") }
        return url
    }

    /// The plot drawn as text (gnuplot's dumb terminal).
    public func renderText(width: Int = 79, height: Int = 24, timeout: Double = 30, gnuplot: String = Gnuplot.executable) throws -> String {
        try validate()
        let dataURL = FileManager.default.temporaryDirectory.appendingPathComponent("echox-plot-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).dat")
        try AtomicFile.write(Data(dataText().utf8), to: dataURL)
        defer { try? FileManager.default.removeItem(at: dataURL) }
        let text = try Gnuplot.run(script: script(terminal: .dumb(width: width, height: height), output: nil, dataPath: dataURL.path),
                                   timeout: timeout, executable: gnuplot)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(String(line.drop { $0 == "\u{0C}" }).reversed().drop { $0 == " " }.reversed())
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: " ") + "\""
    }
}

// MARK: - gnuplot

/// Runs gnuplot scripts.
public enum Gnuplot {
    /// The gnuplot command (override with $ECHOX_GNUPLOT).
    public static var executable: String {
        ProcessInfo.processInfo.environment["ECHOX_GNUPLOT"].flatMap { $0.isEmpty ? nil : $0 } ?? "gnuplot"
    }

    /// Runs a script given as text on stdin; returns what gnuplot printed to stdout.
    public static func run(script: String, timeout: Double, executable: String = Gnuplot.executable) throws -> String {
        let result: Subprocess.Result
        do {
            result = try Subprocess.run(executable, arguments: ["-"], input: Data(script.utf8), timeout: timeout)
        } catch {
            throw WorkbenchError.failed("cannot run gnuplot (\(executable)): \(error) — install it with `apt-get install gnuplot-nox`")
        }
        switch result.ending {
        case .exited(0): return String(decoding: result.stdout, as: UTF8.self)
        case .exited(127):
            throw WorkbenchError.failed("gnuplot not found (\(executable)) — install it with `apt-get install gnuplot-nox`")
        case .timedOut: throw WorkbenchError.failed("gnuplot took longer than \(formatNumber(timeout)) s and was stopped")
        case .interrupted: throw WorkbenchError.failed("plot stopped by Ctrl-C")
        default:
            let err = String(decoding: result.stderr, as: UTF8.self).split(separator: "\n").suffix(6).joined(separator: "\n")
            throw WorkbenchError.failed("gnuplot failed (\(result.ending)):\n\(err)")
        }
    }
}
