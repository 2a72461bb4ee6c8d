import Foundation
import XCTest

final class CommandLineTests: XCTestCase {
    func testHelpListsSubcommands() throws {
        let home = try temporaryDirectory(self)
        let result = try EchoxRunner.run(["--help"], home: home)
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("repl (default)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("  run "), result.stdout)
    }

    func testPipedCommandsRunWithoutATerminal() throws {
        let home = try temporaryDirectory(self)
        let result = try EchoxRunner.run([], input: "set seed 3\nfrobnicate\nset batch many\nshow config\nquit\nset seed 4\n", home: home)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "seed = 3")
        XCTAssertTrue(lines.contains("error: unknown command 'frobnicate' — type help"), result.stdout)
        XCTAssertTrue(lines.contains("error: batch takes a whole number, not 'many'"), result.stdout)
        XCTAssertTrue(lines.contains { $0.split(separator: " ").prefix(2) == ["seed", "3"] }, "show config ran after the errors")
        XCTAssertFalse(result.stdout.contains("seed = 4"), "nothing runs after quit")
        XCTAssertFalse(result.stdout.contains("echox> "), "no prompt when stdin is not a terminal")
    }

    func testRunNotebookWritesOutputsAndIsIdempotent() throws {
        let root = try temporaryDirectory(self)
        let home = root.appendingPathComponent("home")
        let notebook = root.appendingPathComponent("shell-tour.md")
        try FileManager.default.copyItem(at: EchoxRunner.packageRoot.appendingPathComponent("sessions/shell-tour.md"), to: notebook)
        let first = try EchoxRunner.run(["run", notebook.path], home: home)
        XCTAssertEqual(first.status, 0, first.stderr + first.stdout)
        XCTAssertTrue(first.stdout.contains("echox> train until loss<0.02\ntrain "), first.stdout)
        let text = try String(contentsOf: notebook, encoding: .utf8)
        XCTAssertEqual(text.components(separatedBy: "```output\n").count - 1, 5, text)
        XCTAssertTrue(text.contains("condition met at step"))
        let link = try XCTUnwrap(text.split(separator: "\n").last { $0.hasPrefix("![plot loss weight_error](") })
        let path = String(link.dropFirst("![plot loss weight_error](".count).dropLast())
        let png = path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
        XCTAssertGreaterThan((try FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int) ?? 0, 5_000)

        let second = try EchoxRunner.run(["run", "--quiet", notebook.path], home: home)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stdout, "")
        let again = try String(contentsOf: notebook, encoding: .utf8)
        let structure = { (t: String) in t.split(separator: "\n").filter { $0.hasPrefix("```") || $0.hasPrefix("#") }.joined(separator: "\n") }
        XCTAssertEqual(structure(again), structure(text))
    }

    func testFailingAndMalformedNotebooksExitNonZero() throws {
        let root = try temporaryDirectory(self)
        let failing = root.appendingPathComponent("fail.md")
        try Data("```echox\nset seed 1\n```\n\n```echox\nplot loss\n```\n\n```echox\nset seed 2\n```\n".utf8).write(to: failing)
        let failed = try EchoxRunner.run(["run", failing.path], home: root)
        XCTAssertEqual(failed.status, 1)
        XCTAssertEqual(failed.stderr, "error: \(failing.path):5: cell failed: no current run — train first, or pick one with `run use <name>`\n")
        XCTAssertTrue(try String(contentsOf: failing, encoding: .utf8).contains("```output\nerror: no current run"))

        let malformed = root.appendingPathComponent("bad.md")
        try Data("# Bad\n\n```echox\nhelp\n".utf8).write(to: malformed)
        let bad = try EchoxRunner.run(["run", malformed.path], home: root)
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "error: \(malformed.path):3: code fence ```echox is never closed — add a line with ``` after the cell\n")
        let missing = try EchoxRunner.run(["run", root.appendingPathComponent("none.md").path], home: root)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no such file"))
    }
}
