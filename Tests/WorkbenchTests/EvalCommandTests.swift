import Evaluation
import XCTest
@testable import Workbench

final class EvalCommandTests: XCTestCase {
    func testBarChartWritesAClusteredHistogramWithLabelsAndLegend() throws {
        let dir = try temporaryDirectory(self)
        let chart = BarChart(categories: ["t2t", "cascade", "s2t"],
                             series: [BarChart.Series(name: "run \"a\"", values: [17, 12.5, nil]), BarChart.Series(name: "b", values: [16, 11, 4])])
        let plot = Plot(title: "Spoken QA accuracy", xLabel: "mode", yLabel: "questions answered right (%)", content: .bars(chart))
        let url = try plot.writePNG(to: dir.appendingPathComponent("bars.png"), width: 640, height: 400)
        XCTAssertGreaterThan(try Data(contentsOf: url).count, 5_000)
        let script = try String(contentsOf: dir.appendingPathComponent("bars.gp"), encoding: .utf8)
        for fragment in ["set style histogram clustered", "set title \"Spoken QA accuracy\"", "set xlabel \"mode\"",
                         "set ylabel \"questions answered right (%)\"", "using 2:xtic(1) title \"run \\\"a\\\"\"", "using 3 title \"b\"",
                         "with labels", "set key"] {
            XCTAssertTrue(script.contains(fragment), "\(fragment) in:\n\(script)")
        }
        let data = try String(contentsOf: dir.appendingPathComponent("bars.dat"), encoding: .utf8)
        XCTAssertEqual(data, "\"t2t\" 17.0 16.0\n\"cascade\" 12.5 11.0\n\"s2t\" ? 4.0\n")
        let bad = Plot(title: "x", xLabel: "", yLabel: "", content: .bars(BarChart(categories: ["a"], series: [.init(name: "s", values: [])])))
        XCTAssertThrowsError(try bad.validate())
    }

    func testEvalQaSaysWhatIsMissingOrWrong() throws {
        let root = try temporaryDirectory(self)
        let session = WorkbenchSession(state: WorkbenchState(home: root.appendingPathComponent("home"), workingDirectory: root),
                                       output: CapturingSink(), registry: .workbench())
        let set = root.appendingPathComponent("set.jsonl")
        try #"{"id": "1", "question": "Where is Paris?", "answers": ["France"]}"#.write(to: set, atomically: true, encoding: .utf8)
        let cases = [("eval", "usage: eval qa"), ("eval qa mode=t2t", "needs set=FILE.jsonl"), ("eval qa set=set.jsonl", "needs mode=t2t, cascade"),
                     ("eval qa set=set.jsonl mode=t3t", "not 't3t'"), ("eval qa set=none.jsonl mode=t2t", "no such file"),
                     ("eval qa set=set.jsonl mode=t2t colour=red", "unknown option 'colour='"),
                     ("eval qa set=set.jsonl mode=cascade recogniser=ears", "whisper or pocketsphinx"),
                     ("eval qa set=set.jsonl mode=s2t", "echox train s2t"), ("eval qa set=set.jsonl mode=s2s", "echox train echo"),
                     ("eval qa set=set.jsonl mode=t2t voice=bad:x", "not one of flite, espeak, festival"), ("eval compare", "usage: eval compare"),
                     ("eval compare nowhere", "holds no evaluation")]
        for (line, fragment) in cases {
            let outcome = session.execute(line)
            XCTAssertTrue(outcome.error?.contains(fragment) ?? false, "\(line): \(outcome.error ?? "no error")")
        }
    }

    func testDefaultFolderDependsOnTheSetTheLimitAndTheRun() {
        let home = URL(fileURLWithPath: "/h"), set = URL(fileURLWithPath: "/d/web_questions_test.jsonl")
        XCTAssertEqual(EvalCommand.defaultFolder(set: set, limit: 500, run: nil, home: home).path, "/h/evals/web_questions_test-500")
        XCTAssertEqual(EvalCommand.defaultFolder(set: set, limit: nil, run: URL(fileURLWithPath: "/r/s2t-1"), home: home).path,
                       "/r/s2t-1/evals/web_questions_test-all")
    }
}
