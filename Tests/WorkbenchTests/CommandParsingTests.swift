import XCTest
@testable import Workbench

final class CommandParsingTests: XCTestCase {
    func testWordsSplitQuotesAndEscapes() throws {
        XCTAssertEqual(try Words.split("plot loss  'grad norm' \"a \\\"b\\\"\" c\\ d"), ["plot", "loss", "grad norm", "a \"b\"", "c d"])
        XCTAssertEqual(try Words.split("   "), [])
        XCTAssertEqual(try Words.split("set x ''"), ["set", "x", ""])
        XCTAssertThrowsError(try Words.split("say 'hello")) { error in
            XCTAssertTrue("\(error)".contains("unclosed quote"))
        }
        XCTAssertEqual(Words.splitForCompletion("show "), ["show", ""])
        XCTAssertEqual(Words.splitForCompletion("sh"), ["sh"])
        XCTAssertEqual(try Words.split(Words.quote("it's here")), ["it's here"])
    }

    func testUnknownCommandSuggestsAndSessionContinues() throws {
        let (session, _) = try makeSession(self)
        let bad = session.execute("halp")
        XCTAssertEqual(bad.error, "unknown command 'halp' (did you mean 'help'?) — type help")
        XCTAssertTrue(bad.output.hasPrefix("error: unknown command 'halp'"))
        let unrelated = session.execute("zzzzzzzz")
        XCTAssertEqual(unrelated.error, "unknown command 'zzzzzzzz' — type help")
        let good = session.execute("set seed 12")
        XCTAssertNil(good.error)
        XCTAssertEqual(session.state.settings.int("seed"), 12)
    }

    func testArityAndBadArgumentsGiveUsage() throws {
        let (session, _) = try makeSession(self)
        XCTAssertEqual(session.execute("set lr").error, "usage: set <key> <value>")
        XCTAssertEqual(session.execute("help a b").error, "usage: help [command]")
        XCTAssertEqual(session.execute("train sideways 3").error, "usage: train [resume=RUN] [run=NAME] for <steps> | until <metric><op><value> | train s2t|t2c|echo [preset=tiny|smollm2] [config=FILE] [run=DIR] [steps=N]")
        XCTAssertEqual(session.execute("show everything").error, "usage: show config | show params | show state | show losses [n] | show sample | show batch")
        XCTAssertEqual(session.execute("step 3").error, WorkbenchError.noJob.description)
        session.state.job = QuadraticJob(curvature: [1], centre: [0], start: [1])
        XCTAssertEqual(session.execute("step -2").error, "step count must be a whole number ≥ 1, not '-2'")
        XCTAssertEqual(session.execute("train until loss").error?.hasPrefix("cannot read condition 'loss'"), true)
        XCTAssertEqual(session.execute("load nothing").error, "cannot load 'nothing' — known kinds: demo-regression")
        XCTAssertEqual(session.execute("load demo-regression samples=1e30").error, "cannot read 'samples=1e30' — use samples=N, features=N, noise=X")
        XCTAssertEqual(session.execute("load demo-regression samples=100000000 features=100000000").error?.hasPrefix("demo-regression needs samples ≥ 1"), true)
        XCTAssertEqual(session.execute("load demo-regression samples=0").error?.hasPrefix("demo-regression needs samples ≥ 1"), true)
        XCTAssertEqual(session.execute("run use ghost").error?.hasPrefix("no run named 'ghost'"), true)
        XCTAssertEqual(session.execute("run new ../escape").error, "run names use letters, digits, '.', '_' and '-' only, not '../escape'")
        XCTAssertNil(session.execute("help train").error)
    }

    func testMissingFilesAreReportedClearly() throws {
        let (session, root) = try makeSession(self)
        XCTAssertEqual(session.execute("sample /nonexistent/q.wav").error, "no such file: /nonexistent/q.wav — check the path (Tab completes file names)")
        XCTAssertEqual(session.execute("sample \(root.path)").error, "\(root.path) is a directory — give a file")
        let file = root.appendingPathComponent("q1.wav")
        XCTAssertTrue(FileManager.default.createFile(atPath: file.path, contents: Data([1, 2])))
        XCTAssertEqual(session.execute("sample \(file.path)").output, "sample: \(file.path)\n")
        XCTAssertEqual(session.state.currentSample, file.path)
        XCTAssertTrue(session.execute("show state").output.contains("sample  \(file.path)"))
    }

    func testTypedSettingsValidate() throws {
        let (session, _) = try makeSession(self)
        XCTAssertEqual(session.execute("set lr abc").error, "lr takes a number, not 'abc'")
        XCTAssertEqual(session.execute("set batch 0").error, "batch must be in 1…1000000, not 0")
        XCTAssertEqual(session.execute("set plot.terminal svg").error, "plot.terminal is one of png|dumb, not 'svg'")
        XCTAssertEqual(session.execute("set colour red").error?.hasPrefix("unknown setting 'colour'"), true)
        XCTAssertNil(session.execute("set plugin.timeout 2.5").error)
        XCTAssertEqual(session.state.settings.double("plugin.timeout"), 2.5)
        XCTAssertNil(session.execute("set plot.terminal dumb").error)
        XCTAssertEqual(session.state.settings.word("plot.terminal"), "dumb")
        let config = session.execute("show config").output
        let line = config.split(separator: "\n").first { $0.contains("plugin.timeout") }.map(String.init) ?? ""
        XCTAssertEqual(line.split(separator: " ").prefix(2), ["plugin.timeout", "2.5"], config)
    }

    func testHistoryTimeitQuitAndTranscript() throws {
        let (session, _) = try makeSession(self)
        session.execute("set seed 1")
        session.execute("# a comment is skipped")
        session.execute("nonsense")
        let history = session.execute("history 2").output
        XCTAssertEqual(history, "    2  nonsense\n    3  history 2\n")
        let timed = session.execute("timeit set seed 5")
        XCTAssertTrue(timed.output.hasPrefix("seed = 5\ntime: "), timed.output)
        XCTAssertEqual(session.execute("timeit nosuch").error, "unknown command 'nosuch' — type help")
        XCTAssertEqual(session.transcript.map(\.failed), [false, true, false, false, true])
        XCTAssertFalse(session.shouldQuit)
        XCTAssertTrue(session.execute("exit").result.quit)
        XCTAssertTrue(session.shouldQuit)
    }

    func testHelpListsCommandsAndExplainsOne() throws {
        let (session, _) = try makeSession(self)
        let help = session.execute("help").output
        for name in ["help", "history", "set", "show", "timeit", "save", "load", "run", "sample", "step", "train", "plot", "quit"] {
            XCTAssertTrue(help.contains("\n  \(name) "), "help lacks \(name)")
        }
        XCTAssertTrue(session.execute("help save").output.contains("$ECHOX_HOME/sessions"))
        XCTAssertTrue(session.execute("help set").output.contains("plot.terminal"))
    }

    func testProgressLineFormat() {
        let line = Progress.format(label: "train", done: 50, step: 150, total: 100, metrics: [("loss", 0.25)], elapsed: 5)
        XCTAssertEqual(line, "train  50/100  step 150  loss 0.25  10.0 steps/s  ETA 5.0s")
        let sink = CapturingSink()
        let progress = Progress("x", total: nil, sink: sink, interval: 0)
        progress.update(done: 1)
        progress.update(done: 2)
        progress.finish()
        XCTAssertTrue(sink.take().hasPrefix("x  2  "))
        XCTAssertEqual(formatDuration(3725), "1h02m")
    }
}
