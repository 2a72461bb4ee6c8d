import Foundation
import XCTest

/// The Python side of the pseudo-terminal tests: starts `echox` (argv[1]) with ECHOX_HOME (argv[2])
/// under a pty and offers `text()` (the screen without ANSI codes), `pump(seconds)`, `expect(pattern,
/// timeout, start)`, `send(text)` and `idle()` (wait for a fresh prompt). A test's script follows it
/// and prints one JSON report.
enum PseudoTerminalDriver {
    static let prelude = #"""
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

"""#

    /// Runs `script` (after the prelude) against the built `echox` in `home`, from `directory`; returns its report.
    static func run(_ script: String, home: URL, directory: URL) throws -> [String: Any] {
        let file = directory.appendingPathComponent("drive-\(UUID().uuidString.prefix(8)).py")
        try Data((prelude + script).utf8).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", file.path, try EchoxRunner.binary().path, home.path]
        process.currentDirectoryURL = directory
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "the driver ended with status \(process.terminationStatus)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], String(decoding: data, as: UTF8.self))
    }
}
