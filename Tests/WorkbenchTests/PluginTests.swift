import XCTest
@testable import Workbench

final class PluginTests: XCTestCase {
    /// Writes plugins/<name>/ with a manifest and a shell script; returns the plugin directory.
    @discardableResult
    private func writePlugin(_ name: String, script: String, in root: URL, executable: Bool = true) throws -> URL {
        let dir = root.appendingPathComponent("plugins/\(name)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let manifest = #"{"name": "\#(name)", "summary": "test plugin \#(name)", "usage": "\#(name) [args…]", "exec": "bin/run.sh"}"#
        try Data(manifest.utf8).write(to: dir.appendingPathComponent("plugin.json"))
        let exec = dir.appendingPathComponent("bin/run.sh")
        try FileManager.default.createDirectory(at: exec.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(("#!/bin/sh\n" + script).utf8).write(to: exec)
        if executable { chmod(exec.path, 0o755) }
        return dir
    }

    func testSuccessReceivesArgumentsAndJSONContext() throws {
        let (session, _) = try makeSession(self)
        let work = session.state.workingDirectory
        let dir = try writePlugin("echo-ctx", script: "cat > \"$(dirname \"$0\")/context.json\"\necho \"args: $*\"\necho \"home: $ECHOX_HOME\"\n", in: work)
        session.execute("run new r7")
        session.state.currentSample = "q1.wav"
        session.state.models["lm"] = LoadedModel(kind: "llama", source: "smollm2.gguf")
        session.state.lastOutputs["text"] = "Paris"
        let outcome = session.execute("echo-ctx one 'two words'")
        XCTAssertNil(outcome.error, outcome.output)
        XCTAssertEqual(outcome.output, "args: one two words\nhome: \(session.state.home.path)\n")
        let contextData = try Data(contentsOf: dir.appendingPathComponent("bin/context.json"))
        let context = try XCTUnwrap(JSONSerialization.jsonObject(with: contextData) as? [String: Any], String(decoding: contextData, as: UTF8.self))
        XCTAssertEqual(context["echox_home"] as? String, session.state.home.path, String(decoding: contextData, as: UTF8.self))
        XCTAssertEqual((context["run"] as? [String: Any])?["name"] as? String, "r7")
        XCTAssertEqual(context["sample"] as? String, "q1.wav")
        XCTAssertEqual((context["model"] as? [String: Any])?["source"] as? String, "smollm2.gguf")
        XCTAssertEqual((context["last_outputs"] as? [String: String])?["text"], "Paris")
        XCTAssertEqual(session.state.lastOutputs["echo-ctx"], "args: one two words\nhome: \(session.state.home.path)")
        let help = session.execute("help").output
        XCTAssertTrue(help.contains("plugins:\n  echo-ctx"), help)
        XCTAssertTrue(session.execute("help echo-ctx").output.hasPrefix("usage: echo-ctx [args…]\ntest plugin echo-ctx"))
    }

    func testFailureAndCrashAreReportedAndTheSessionGoesOn() throws {
        let (session, _) = try makeSession(self)
        let home = session.state.home
        try writePlugin("fails", script: "echo partial\necho 'model file missing' >&2\nexit 3\n", in: home)
        try writePlugin("crashes", script: "kill -SEGV $$\n", in: home)
        try writePlugin("noexec", script: "echo hi\n", in: home, executable: false)
        let failed = session.execute("fails")
        XCTAssertEqual(failed.error, "plugin fails failed with exit status 3:\n  model file missing")
        XCTAssertTrue(failed.output.hasPrefix("partial\n"))
        XCTAssertEqual(session.execute("crashes").error, "plugin crashes crashed (signal 11)")
        XCTAssertEqual(session.execute("noexec").error?.hasSuffix("is missing or not executable — chmod +x it"), true)
        XCTAssertNil(session.execute("set seed 2").error)
    }

    func testHangIsStoppedAtTheTimeoutWithItsProcessGroup() throws {
        let (session, root) = try makeSession(self)
        let pidFile = root.appendingPathComponent("child.pid")
        try writePlugin("hangs", script: "sleep 30 &\necho $! > '\(pidFile.path)'\nwait\n", in: session.state.workingDirectory)
        session.execute("set plugin.timeout 0.5")
        let start = Date()
        let outcome = session.execute("hangs")
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(outcome.error, "plugin hangs timed out after 0.5 s and was stopped — raise it with `set plugin.timeout <seconds>`")
        XCTAssertLessThan(elapsed, 3)
        let child = pid_t(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        usleep(200_000)
        // Gone, or a zombie waiting for its (re)parent to reap it: either way no longer running.
        let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
        let runState = stat.split(separator: ")").last?.split(separator: " ").first.map(String.init) ?? "gone"
        XCTAssertTrue(["gone", "Z", "X"].contains(runState), "the plugin's background child was killed with its group (state \(runState))")
        XCTAssertNil(session.execute("show state").error)
    }

    func testBackgroundChildrenDoNotHoldTheShell() throws {
        let (session, _) = try makeSession(self)
        try writePlugin("spawns", script: "echo done\nsleep 30 &\nexit 0\n", in: session.state.workingDirectory)
        let start = Date()
        let outcome = session.execute("spawns")
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.output, "done\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 3, "returns about a second after the plugin exits")
    }

    func testBadManifestsAreSkippedWithAReason() throws {
        let (session, _) = try makeSession(self)
        let dir = session.state.workingDirectory.appendingPathComponent("plugins/broken")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(#"{"summary": "no name"}"#.utf8).write(to: dir.appendingPathComponent("plugin.json"))
        let absolute = session.state.workingDirectory.appendingPathComponent("plugins/abs")
        try FileManager.default.createDirectory(at: absolute, withIntermediateDirectories: true)
        try Data(#"{"name": "abs", "exec": "/bin/true"}"#.utf8).write(to: absolute.appendingPathComponent("plugin.json"))
        session.reloadPlugins()
        XCTAssertTrue(session.plugins.isEmpty)
        let help = session.execute("help").output
        XCTAssertTrue(help.contains("needs a non-empty string \"name\""), help)
        XCTAssertTrue(help.contains("\"exec\" must be relative to the plugin directory"), help)
    }

    func testExecMustStayInsideThePluginDirectory() throws {
        let (session, _) = try makeSession(self)
        let work = session.state.workingDirectory
        let plugins = work.appendingPathComponent("plugins")
        let elsewhere = work.appendingPathComponent("elsewhere", isDirectory: true)
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        func script(_ url: URL, _ text: String) throws {
            try Data("#!/bin/sh\necho \(text)\n".utf8).write(to: url)
            chmod(url.path, 0o755)
        }
        try script(elsewhere.appendingPathComponent("run.sh"), "escaped")
        @discardableResult
        func plugin(_ name: String, exec: String) throws -> URL {
            let dir = plugins.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
            try Data(#"{"name": "\#(name)", "exec": "\#(exec)"}"#.utf8).write(to: dir.appendingPathComponent("plugin.json"))
            return dir
        }
        // Out through `..`, through a symbolic link to a file, through a linked folder.
        try plugin("dotdot", exec: "bin/../../../elsewhere/run.sh")
        let linked = try plugin("linked", exec: "bin/run.sh")
        try FileManager.default.createSymbolicLink(at: linked.appendingPathComponent("bin/run.sh"), withDestinationURL: elsewhere.appendingPathComponent("run.sh"))
        let folder = try plugin("folder", exec: "tools/run.sh")
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("tools"), withDestinationURL: elsewhere)
        try plugin("itself", exec: "bin/..")
        // Inside: `..` that comes back, and a link to a file of the plugin.
        let inside = try plugin("inside", exec: "bin/../bin/real.sh")
        try script(inside.appendingPathComponent("bin/real.sh"), "inside")
        let alias = try plugin("alias", exec: "bin/alias.sh")
        try script(alias.appendingPathComponent("real.sh"), "alias")
        try FileManager.default.createSymbolicLink(at: alias.appendingPathComponent("bin/alias.sh"), withDestinationURL: alias.appendingPathComponent("real.sh"))

        session.reloadPlugins()
        XCTAssertEqual(session.plugins.map(\.name).sorted(), ["alias", "inside"])
        XCTAssertEqual(session.execute("inside").output, "inside\n")
        XCTAssertEqual(session.execute("alias").output, "alias\n")
        let problems = PluginManifest.problems(in: [plugins])
        XCTAssertEqual(problems.count, 4, "\(problems)")
        for name in ["dotdot", "linked", "folder", "itself"] {
            XCTAssertTrue(problems.contains { $0.hasPrefix(plugins.appendingPathComponent("\(name)/plugin.json").path)
                && $0.contains("outside the plugin directory") && $0.contains("put the executable") }, "\(name): \(problems)")
            let outcome = session.execute(name)
            XCTAssertNotNil(outcome.error)
            XCTAssertFalse(outcome.output.contains("escaped"))
        }
        XCTAssertTrue(session.execute("help").output.contains("outside the plugin directory"))
    }

    func testSubprocessInterruptStopsTheChild() throws {
        let start = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { Interrupt.request() }
        let result = try Subprocess.run("/bin/sleep", arguments: ["20"], timeout: 10)
        Interrupt.clear()
        XCTAssertEqual(result.ending, .interrupted)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        let echo = try Subprocess.run("cat", input: Data(repeating: 65, count: 300_000), timeout: 10)
        XCTAssertEqual(echo.ending, .exited(0))
        XCTAssertEqual(echo.stdout.count, 300_000, "large stdin and stdout pass through without deadlock")
        XCTAssertThrowsError(try Subprocess.run("/nonexistent/tool", timeout: 1))
    }
}
