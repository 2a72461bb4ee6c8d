import Foundation
import XCTest

/// Drives the real `echox` through a pseudo-terminal (python3's pty module), as a person would:
/// Tab completion, a long training run stopped with Ctrl-C, Ctrl-C at the prompt, quit.
final class PseudoTerminalTests: XCTestCase {
    func testReplUnderAPseudoTerminal() throws {
        let root = try temporaryDirectory(self)
        let home = root.appendingPathComponent("home")
        let script = root.appendingPathComponent("drive.py")
        try Data(PseudoTerminalTests.driver.utf8).write(to: script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, try EchoxRunner.binary().path, home.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], String(decoding: data, as: UTF8.self))
        let screen = report["screen"] as? String ?? ""
        XCTAssertEqual(report["ok"] as? Bool, true, "driver stopped while waiting for \(report["waiting_for"] ?? "?"):\n\(screen)")
        XCTAssertEqual(process.terminationStatus, 0)
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

    static let driver = #"""
import os, pty, re, sys, time, select, json, signal

binary, home = sys.argv[1], sys.argv[2]
env = dict(os.environ, ECHOX_HOME=home, TERM="xterm", COLUMNS="200", LINES="50")
pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary], env)

screen = b""
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")

def text():
    return ANSI.sub(b"", screen).decode("utf-8", "replace")

def pump(timeout):
    global screen
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if not r:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        screen += data
    return True

def expect(pattern, timeout=20, start=0):
    global screen
    end = time.time() + timeout
    while time.time() < end:
        m = re.search(pattern, text()[start:])
        if m:
            return m
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            screen += data
    print(json.dumps({"ok": False, "waiting_for": pattern, "screen": text()[-3000:]}))
    sys.exit(1)

def send(s):
    os.write(fd, s.encode())

def idle():
    """Waits until the screen ends with a fresh prompt (readline is reading again)."""
    expect(r"echox> $")

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
