import XCTest
@testable import Workbench

final class CompletionTests: XCTestCase {
    func testCommandNamesSubcommandsAndSettings() throws {
        let (session, _) = try makeSession(self)
        let completer = Completer(session: session)
        XCTAssertEqual(completer.complete("he"), ["help"])
        XCTAssertEqual(completer.complete("h"), ["help", "history"])
        XCTAssertEqual(completer.complete("ex"), ["exit"])
        XCTAssertEqual(completer.complete("show "), ["batch", "config", "losses", "params", "sample", "state"])
        XCTAssertEqual(completer.complete("show lo"), ["losses"])
        XCTAssertEqual(completer.complete("train "), ["echo", "for", "resume=", "run=", "s2t", "t2c", "until"])
        XCTAssertEqual(completer.complete("set plot.t"), ["plot.terminal"])
        XCTAssertEqual(completer.complete("set plot.terminal "), ["dumb", "png"])
        XCTAssertEqual(completer.complete("set seed "), [])
        XCTAssertEqual(completer.complete("help tr"), ["train"])
        XCTAssertEqual(completer.complete("timeit sh"), ["show"])
        XCTAssertEqual(completer.complete("timeit show c"), ["config"])
        XCTAssertEqual(completer.complete("load d"), ["demo-regression"])
        XCTAssertEqual(completer.complete("load demo-regression s"), ["samples="])
        XCTAssertEqual(completer.complete("nosuch "), [])
    }

    func testRunNamesComeFromTheRunsDirectory() throws {
        let (session, _) = try makeSession(self)
        for name in ["s2t-base", "s2t-lora", "echo-1"] {
            try FileManager.default.createDirectory(at: session.state.runsRoot.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        _ = FileManager.default.createFile(atPath: session.state.runsRoot.appendingPathComponent("s2t-notes.txt").path, contents: Data())
        let completer = Completer(session: session)
        XCTAssertEqual(completer.complete("run use s2t"), ["s2t-base", "s2t-lora"])
        XCTAssertEqual(completer.complete("run use "), ["echo-1", "s2t-base", "s2t-lora"])
        XCTAssertEqual(completer.complete("run new s2t"), [])
    }

    func testFilePathsWithDirectoriesMarked() throws {
        let root = try temporaryDirectory(self)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sessions"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("sample.wav").path, contents: Data())
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("second.wav").path, contents: Data())
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent(".hidden").path, contents: Data())
        let prefix = root.path + "/s"
        XCTAssertEqual(Completer.paths(matching: prefix), [root.path + "/sample.wav", root.path + "/second.wav", root.path + "/sessions/"])
        XCTAssertEqual(Completer.paths(matching: root.path + "/sa"), [root.path + "/sample.wav"])
        XCTAssertEqual(Completer.paths(matching: root.path + "/."), [root.path + "/.hidden"])
        XCTAssertEqual(Completer.paths(matching: root.path + "/none/x"), [])

        // `sample` and a plugin's arguments complete as paths.
        let (session, _) = try makeSession(self)
        XCTAssertEqual(Completer(session: session).complete("sample \(root.path)/se"), [root.path + "/second.wav", root.path + "/sessions/"])
        let pluginDir = session.state.workingDirectory.appendingPathComponent("plugins/echo-args")
        try FileManager.default.createDirectory(at: pluginDir, withIntermediateDirectories: true)
        try Data(#"{"name": "echo-args", "summary": "s", "usage": "echo-args FILE", "exec": "run.sh"}"#.utf8)
            .write(to: pluginDir.appendingPathComponent("plugin.json"))
        session.reloadPlugins()
        XCTAssertEqual(Completer(session: session).complete("echo-args \(root.path)/sa"), [root.path + "/sample.wav"])
    }
}
