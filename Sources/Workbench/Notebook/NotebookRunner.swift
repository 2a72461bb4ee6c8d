import Foundation

/// What running a notebook did.
public struct NotebookRunReport {
    public var cellsRun: Int
    public var cellCount: Int
    /// Line of the failing cell's fence and the error, when a cell failed.
    public var failure: (line: Int, message: String)?
    public var succeeded: Bool { failure == nil }
}

/// Runs a notebook's cells in order through a session, writing each output under its cell.
public struct NotebookRunner {
    public let session: WorkbenchSession
    /// Called with each command line before it runs (the command-line tool echoes it).
    public var echo: ((String) -> Void)?

    public init(session: WorkbenchSession, echo: ((String) -> Void)? = nil) {
        self.session = session
        self.echo = echo
    }

    /// Runs every cell of the notebook at `url` and rewrites the file (after each cell, atomically).
    /// Stops at the first failing cell, whose output block starts with `error:`.
    /// Artifacts are linked as `Notebook.kept` places them (copies beside the notebook, in a folder
    /// emptied when the run starts).
    public func run(_ url: URL) throws -> NotebookRunReport {
        var notebook = try Notebook.load(url)
        try? FileManager.default.removeItem(at: Notebook.filesFolder(of: url))
        let cells = notebook.cellIndices
        var report = NotebookRunReport(cellsRun: 0, cellCount: cells.count, failure: nil)
        for (number, index) in cells.enumerated() {
            guard case .cell(var cell) = notebook.blocks[index] else { continue }
            var output = ""
            var artifacts: [Artifact] = []
            var failure: String?
            for line in cell.source {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty && !trimmed.hasPrefix("#") { echo?(trimmed) }
                let outcome = session.execute(line)
                output += outcome.output
                artifacts += outcome.result.artifacts
                if let error = outcome.error {
                    failure = error
                } else if outcome.result.wasInterrupted {
                    failure = "interrupted by Ctrl-C"
                    output = "error: \(failure!)\n" + output
                }
                if failure != nil || session.shouldQuit { break }
            }
            cell.output = failure == nil || output.hasPrefix("error: ") ? output : Notebook.errorFirst(output)
            cell.links = Notebook.links(for: artifacts, notebook: url, cell: number + 1)
            notebook.blocks[index] = .cell(cell)
            report.cellsRun += 1
            try notebook.write(to: url)
            if let failure {
                report.failure = (cell.line, failure)
                break
            }
            if session.shouldQuit { break }
        }
        return report
    }
}
