import ArgumentParser
import Foundation
import Workbench

/// `echox run NOTEBOOK.md`: runs a notebook's cells and writes their outputs under them.
struct RunNotebook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the ```echox cells of a Markdown notebook, writing each output under its cell.",
        discussion: "Stops at the first failing cell (its output block starts with `error:`) and exits with status 1."
    )

    @Argument(help: "Notebook files (Markdown with ```echox cells).", completion: .file(extensions: ["md"]))
    var notebooks: [String]

    @Flag(name: .shortAndLong, help: "Do not echo commands and their output while running.")
    var quiet = false

    func run() throws {
        Interrupt.install()
        let sink: OutputSink = quiet ? CapturingSink() : StandardOutputSink()
        let session = SessionFactory.make(output: sink)
        for path in notebooks {
            let url = URL(fileURLWithPath: path)
            let runner = NotebookRunner(session: session, echo: quiet ? nil : { sink.write("echox> \($0)\n") })
            let report: NotebookRunReport
            do {
                report = try runner.run(url)
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(2)
            }
            if let failure = report.failure {
                FileHandle.standardError.write(Data("error: \(path):\(failure.line): cell failed: \(failure.message)\n".utf8))
                throw ExitCode.failure
            }
            if !quiet { sink.write("ran \(report.cellsRun) cells of \(path)\n") }
            if session.shouldQuit { break }
        }
    }
}
