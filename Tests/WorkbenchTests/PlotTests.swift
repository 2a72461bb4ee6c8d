import XCTest
@testable import Workbench

final class PlotTests: XCTestCase {
    private func pngSize(_ url: URL) throws -> Int {
        let data = try Data(contentsOf: url)
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        return data.count
    }

    func testLinePlotWritesPNGScriptAndData() throws {
        let dir = try temporaryDirectory(self)
        let xs = (0..<200).map(Double.init)
        let plot = Plot(title: "loss \"curve\"", xLabel: "step", yLabel: "loss",
                        content: .lines([PlotSeries(name: "train_loss", x: xs, y: xs.map { exp(-$0 / 50) }),
                                         PlotSeries(name: "val", x: xs, y: xs.map { exp(-$0 / 60) + 0.05 })]),
                        markers: [VerticalMarker(x: 100, label: "lr drop")])
        let url = try plot.writePNG(to: dir.appendingPathComponent("loss.png"), width: 640, height: 400)
        XCTAssertGreaterThan(try pngSize(url), 5_000)
        let script = try String(contentsOf: dir.appendingPathComponent("loss.gp"), encoding: .utf8)
        XCTAssertTrue(script.contains("set title \"loss \\\"curve\\\"\""), script)
        XCTAssertTrue(script.contains("set xlabel \"step\""))
        XCTAssertTrue(script.contains("set ylabel \"loss\""))
        XCTAssertTrue(script.contains("set key"))
        XCTAssertTrue(script.contains("title \"train_loss\"") && script.contains("title \"val\""))
        XCTAssertTrue(script.contains("set arrow from 100.0, graph 0 to 100.0, graph 1 nohead"))
        let data = try String(contentsOf: dir.appendingPathComponent("loss.dat"), encoding: .utf8)
        XCTAssertEqual(data.components(separatedBy: "\n\n\n").count, 2, "two data blocks")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".loss.png.tmp-\(getpid())").path))
    }

    func testHeatmapWithMarkers() throws {
        let dir = try temporaryDirectory(self)
        let rows = 20, columns = 50
        var values = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows { for c in 0..<columns { values[r * columns + c] = Float(sin(Double(c) / 5) * Double(r)) } }
        var map = Heatmap(values: values, rows: rows, columns: columns, name: "log-mel")
        map.xStep = 0.01
        let plot = Plot(title: "log-mel with unit boundaries", xLabel: "time (s)", yLabel: "mel bin",
                        content: .heatmap(map), markers: [0.1, 0.25, 0.4].map { VerticalMarker(x: $0) })
        let url = try plot.writePNG(to: dir.appendingPathComponent("mel.png"))
        XCTAssertGreaterThan(try pngSize(url), 5_000)
        let script = plot.script(terminal: .png(width: 10, height: 10), output: "o.png", dataPath: "d.dat")
        XCTAssertTrue(script.contains("matrix using (0.0 + $1 * 0.01):(0.0 + $2 * 1.0):3 with image"), script)
        XCTAssertEqual(script.components(separatedBy: "set arrow").count - 1, 3)
        XCTAssertEqual(plot.dataText().split(separator: "\n").count, rows)
    }

    func testTextRenderingAndErrors() throws {
        let plot = Plot(title: "tiny plot", xLabel: "x", yLabel: "y",
                        content: .lines([PlotSeries(name: "line", x: [0, 1, 2], y: [0, 1, 4])]))
        let text = try plot.renderText(width: 60, height: 20)
        XCTAssertTrue(text.contains("tiny plot"), text)
        XCTAssertGreaterThan(text.split(separator: "\n").count, 10)
        XCTAssertThrowsError(try plot.renderText(gnuplot: "/nonexistent/gnuplot")) { error in
            XCTAssertTrue("\(error)".contains("apt-get install gnuplot-nox"), "\(error)")
        }
        let bad = Plot(title: "bad", xLabel: "", yLabel: "", content: .lines([PlotSeries(name: "s", x: [1, 2], y: [1])]))
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("has 2 x and 1 y values")) }
        let badMap = Plot(title: "m", xLabel: "", yLabel: "", content: .heatmap(Heatmap(values: [1, 2, 3], rows: 2, columns: 2, name: "v")))
        XCTAssertThrowsError(try badMap.validate())
    }

    func testPlotCommandOverRunMetrics() throws {
        let (session, _) = try makeSession(self)
        session.state.job = QuadraticJob(curvature: [1, 2], centre: [1, 1], start: [0, 0])
        XCTAssertEqual(session.execute("plot loss").error, "no current run — train first, or pick one with `run use <name>`")
        session.execute("train for 30")
        let outcome = session.execute("plot loss grad_norm")
        XCTAssertNil(outcome.error, outcome.output)
        let artifact = try XCTUnwrap(outcome.result.artifacts.first)
        XCTAssertEqual(artifact.kind, .image)
        XCTAssertEqual(artifact.url.lastPathComponent, "loss+grad_norm.png")
        XCTAssertGreaterThan(try pngSize(artifact.url), 5_000)
        XCTAssertTrue(outcome.output.hasSuffix("plot: \(artifact.url.path)\n"))
        XCTAssertFalse(outcome.output.contains("+---"), "no text drawing with plot.terminal png")
        session.execute("set plot.terminal dumb")
        let dumb = session.execute("plot loss")
        XCTAssertTrue(dumb.output.contains("loss — run"), dumb.output)
        XCTAssertTrue(dumb.output.contains("step"))
        let missing = session.execute("plot accuracy")
        XCTAssertTrue(missing.error?.contains("no values of 'accuracy'") == true && missing.error?.contains("grad_norm, loss, lr, tokens") == true, missing.error ?? "")
    }
}
