import Foundation
import XCTest

/// Drives the real `echox` through a pseudo-terminal (python3's pty module), as a person would:
/// Tab completion, a long training run stopped with Ctrl-C, Ctrl-C at the prompt, quit.
final class PseudoTerminalTests: XCTestCase {
    func testReplUnderAPseudoTerminal() throws {
        let root = try temporaryDirectory(self)
        let home = root.appendingPathComponent("home")
        let report = try PseudoTerminalDriver.run(Self.script, home: home, directory: root)
        let screen = report["screen"] as? String ?? ""
        XCTAssertEqual(report["ok"] as? Bool, true, "driver stopped while waiting for \(report["waiting_for"] ?? "?"):\n\(screen)")
        XCTAssertEqual(report["tab_help"] as? Bool, true, "he<Tab> completed to help and ran it")
        XCTAssertEqual(report["tab_subcommand"] as? Bool, true, "show lo<Tab> completed to show losses")
        let stopped = try XCTUnwrap(report["stopped_step"] as? Int)
        XCTAssertGreaterThan(stopped, 0)
        XCTAssertLessThan(stopped, 100_000, "Ctrl-C stopped the run early")
        XCTAssertEqual(report["steps_not_run"] as? Int, 100_000 - stopped)
        XCTAssertEqual(report["state_steps"] as? Int, stopped, "the job stopped exactly at the reported step boundary")
        XCTAssertLessThan(report["stop_latency_s"] as? Double ?? 99, 5)
        XCTAssertEqual(report["ctrl_c_clears_line"] as? Bool, true, "Ctrl-C at the prompt discarded the typed text")
        XCTAssertEqual(report["ctrl_r_search"] as? Bool, true, "Ctrl-R found and re-ran an earlier line")
        XCTAssertEqual(report["exit_status"] as? Int, 0)
        let metrics = try FileManager.default.contentsOfDirectory(atPath: home.appendingPathComponent("runs").path)
        XCTAssertEqual(metrics.count, 1)
        let lines = try String(contentsOf: home.appendingPathComponent("runs/\(metrics[0])/metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(lines.count, stopped, "one metrics record per finished step")
        let history = try String(contentsOf: home.appendingPathComponent("history"), encoding: .utf8)
        XCTAssertTrue(history.contains("train for 100000\n"), history)
        XCTAssertFalse(history.contains("garbage"), "a line cleared with Ctrl-C is not kept")
        print("pty: stopped at step \(stopped), stop latency \(report["stop_latency_s"] ?? "?") s")
    }

    /// After the driver's prelude.
    static let script = #"""
results = {}
idle()
mark = len(text())
send("he\t")
expect(r"^help ", start=mark)
send("\r")
expect(r"commands:", start=mark)
results["tab_help"] = True

idle()
mark = len(text())
send("show lo\t\r")
expect(r"show losses", start=mark)
expect(r"no current run", start=mark)
results["tab_subcommand"] = True

idle()
mark = len(text())
send("load demo-regression samples=20000 features=64\r")
expect(r"loaded demo-regression", start=mark)
idle()
send("set batch 4096\r")
expect(r"batch = 4096", start=mark)
idle()
mark = len(text())
send("train for 100000\r")
m = expect(r"train +\d+/100000 +step (\d+)", start=mark)
time.sleep(0.8)
pump(0.2)
send("\x03")
t0 = time.time()
m = expect(r"interrupted: stopped at a step boundary after step (\d+) \((\d+) steps this time, (\d+) of 100000 steps not run\)", start=mark)
results["stopped_step"] = int(m.group(1))
results["steps_not_run"] = int(m.group(3))
results["stop_latency_s"] = round(time.time() - t0, 3)
expect(r"echox> ", start=mark + m.end())

idle()
mark = len(text())
send("show state\r")
m = expect(r"job +demo-regression, (\d+) steps", start=mark)
results["state_steps"] = int(m.group(1))

idle()
mark = len(text())
send("\x12set ba")
time.sleep(0.3)
send("\r")
m = expect(r"batch = 4096", start=mark)
results["ctrl_r_search"] = True

idle()
mark = len(text())
send("garbage words")
time.sleep(0.3)
send("\x03")
time.sleep(0.3)
send("set seed 7\r")
m = expect(r"(error: .*|seed = 7)", start=mark)
results["ctrl_c_clears_line"] = m.group(1) == "seed = 7"

idle()
mark = len(text())
send("quit\r")
pump(3)
_, status = os.waitpid(pid, 0)
results["exit_status"] = os.waitstatus_to_exitcode(status)
results["ok"] = True
results["screen"] = text()[-4000:]
print(json.dumps(results))
"""#
}
