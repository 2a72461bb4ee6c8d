import XCTest
@testable import Workbench

final class NotebookTests: XCTestCase {
    private let sample = """
        # Tour

        Some text.

        ```echox
        set seed 3
        show config
        ```

        ```python
        print("not a cell")
        ```

        ```echox
        set batch 4
        ```
        ```output
        stale output
        ```
        ![old plot](old.png)

        The end.
        """

    func testParseKeepsTextAndFindsCellsOutputsAndLinks() throws {
        let notebook = try Notebook.parse(sample)
        let cells = notebook.cellIndices.map { index -> Notebook.Cell in
            guard case .cell(let cell) = notebook.blocks[index] else { fatalError() }
            return cell
        }
        XCTAssertEqual(cells.map(\.source), [["set seed 3", "show config"], ["set batch 4"]])
        XCTAssertEqual(cells.map(\.line), [5, 14])
        XCTAssertEqual(cells[1].output, "stale output")
        XCTAssertEqual(cells[1].links, ["![old plot](old.png)"])
        XCTAssertTrue(notebook.render().contains("```python\nprint(\"not a cell\")\n```"))
        XCTAssertEqual(try Notebook.parse(notebook.render()), notebook, "render and parse round-trip")
    }

    func testRunWritesOutputsReplacesOldOnesAndIsIdempotent() throws {
        let (session, root) = try makeSession(self)
        let url = root.appendingPathComponent("tour.md")
        try Data(sample.utf8).write(to: url)
        let report = try NotebookRunner(session: session).run(url)
        XCTAssertTrue(report.succeeded)
        XCTAssertEqual(report.cellsRun, 2)
        let first = try String(contentsOf: url, encoding: .utf8)
        XCTAssertFalse(first.contains("stale output"))
        XCTAssertFalse(first.contains("old.png"))
        XCTAssertTrue(first.contains("```echox\nset batch 4\n```\n```output\nbatch = 4\n```\n\nThe end.\n"), first)
        XCTAssertTrue(first.contains("```output\nseed = 3\nsettings:\n"), first)
        XCTAssertTrue(first.hasPrefix("# Tour\n\nSome text.\n\n```echox\n"))

        let (again, _) = try makeSession(self)
        XCTAssertTrue(try NotebookRunner(session: again).run(url).succeeded)
        let second = try String(contentsOf: url, encoding: .utf8)
        let homeLine = { (text: String) in text.split(separator: "\n").filter { !$0.hasPrefix("ECHOX_HOME:") }.joined(separator: "\n") }
        XCTAssertEqual(homeLine(second), homeLine(first), "running twice gives the same notebook")
    }

    func testFailingCellIsMarkedAndStopsTheRun() throws {
        let (session, root) = try makeSession(self)
        let url = root.appendingPathComponent("fail.md")
        try Data("```echox\nset seed 1\n```\n\n```echox\nset lr 2\nset lr banana\nset seed 9\n```\n\n```echox\nset seed 5\n```\n".utf8).write(to: url)
        let report = try NotebookRunner(session: session).run(url)
        XCTAssertEqual(report.failure?.line, 5)
        XCTAssertEqual(report.failure?.message, "lr takes a number, not 'banana'")
        XCTAssertEqual(report.cellsRun, 2)
        XCTAssertEqual(session.state.settings.int("seed"), 1, "nothing after the failing line ran")
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("```output\nerror: lr takes a number, not 'banana'\nlr = 2\n```"), text)
        XCTAssertTrue(text.hasSuffix("```echox\nset seed 5\n```\n"), "the cell after the failure has no output")
    }

    func testMalformedNotebooksNameTheLine() throws {
        XCTAssertThrowsError(try Notebook.parse("# x\n\n```echox\nhelp\n", file: "a.md")) { error in
            XCTAssertEqual("\(error)", "a.md:3: code fence ```echox is never closed — add a line with ``` after the cell")
        }
        XCTAssertThrowsError(try Notebook.parse("```echox\nhelp\n```\n```output\nhi\n", file: "b.md")) { error in
            XCTAssertEqual((error as? NotebookError)?.line, 4)
        }
        XCTAssertThrowsError(try Notebook.parse("text\n```echox\n\n```\n", file: "c.md")) { error in
            XCTAssertEqual("\(error)", "c.md:2: empty ```echox cell — put at least one command in it")
        }
        XCTAssertThrowsError(try Notebook.load(URL(fileURLWithPath: "/nonexistent/n.md"))) { error in
            XCTAssertEqual("\(error)", "no such file: /nonexistent/n.md — check the path (Tab completes file names)")
        }
    }

    func testOutputsContainingFencesUseLongerFences() throws {
        var notebook = Notebook(blocks: [.cell(Notebook.Cell(source: ["show state"], line: 1, output: "a\n```\nb"))])
        let text = notebook.render()
        XCTAssertTrue(text.contains("````output\na\n```\nb\n````"), text)
        XCTAssertEqual(try Notebook.parse(text).blocks, notebook.blocks)
        notebook.blocks.append(.text(["after"]))
        XCTAssertEqual(try Notebook.parse(notebook.render()).blocks.count, 2)
    }

    func testPlotArtifactsAreLinkedRelativeToTheNotebook() throws {
        let (session, root) = try makeSession(self)
        session.state.job = QuadraticJob(curvature: [1], centre: [3], start: [0])
        session.state.runsRoot = root.appendingPathComponent("runs")
        let url = root.appendingPathComponent("plots.md")
        try Data("```echox\nrun new r1\nstep 5\nplot loss\n```\n".utf8).write(to: url)
        XCTAssertTrue(try NotebookRunner(session: session).run(url).succeeded)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("```\n![plot loss](runs/r1/plots/loss.png)\n"), text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("runs/r1/plots/loss.png").path))
    }

    /// Plots made outside the notebook's folder are copied beside it and linked there; a new run
    /// starts from an empty copy folder.
    func testArtifactsOutsideTheFolderAreCopiedBesideTheNotebook() throws {
        let (session, root) = try makeSession(self)
        session.state.job = QuadraticJob(curvature: [1], centre: [3], start: [0])
        let runs = FileManager.default.temporaryDirectory.appendingPathComponent("runs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: runs) }
        session.state.runsRoot = runs
        let folder = root.appendingPathComponent("notes", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("plots.md")
        try Data("```echox\nrun new r1\n```\n\n```echox\nstep 5\nplot loss\n```\n".utf8).write(to: url)
        let stale = folder.appendingPathComponent("plots.files/09-old.png")
        try FileManager.default.createDirectory(at: stale.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("old".utf8).write(to: stale)

        XCTAssertTrue(try NotebookRunner(session: session).run(url).succeeded)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("```\n![plot loss](plots.files/02-loss.png)\n"), text)
        let copy = folder.appendingPathComponent("plots.files/02-loss.png")
        XCTAssertEqual(try Data(contentsOf: copy), try Data(contentsOf: runs.appendingPathComponent("r1/plots/loss.png")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path), "files of an earlier run are removed")
    }

    func testSaveSessionWritesAReplayableNotebook() throws {
        let (session, _) = try makeSession(self)
        session.execute("set seed 11")
        session.execute("bogus")
        session.execute("show config")
        let saved = session.execute("save session my-work")
        let url = session.state.home.appendingPathComponent("sessions/my-work.md")
        XCTAssertEqual(saved.output, "saved 2 commands to \(url.path) (1 that failed left out, so it replays)\n")
        XCTAssertEqual(session.execute("save session ../x").error, "session names use letters, digits, '.', '_' and '-' only, not '../x'")
        let notebook = try Notebook.load(url)
        XCTAssertEqual(notebook.cellIndices.count, 2)
        let (replay, _) = try makeSession(self)
        XCTAssertTrue(try NotebookRunner(session: replay).run(url).succeeded)
        XCTAssertEqual(replay.state.settings.int("seed"), 11)

        // With ./sessions in the working directory, sessions go there.
        let local = session.state.workingDirectory.appendingPathComponent("sessions")
        try FileManager.default.createDirectory(at: local, withIntermediateDirectories: true)
        session.execute("save session here")
        XCTAssertTrue(FileManager.default.fileExists(atPath: local.appendingPathComponent("here.md").path))
    }
}
