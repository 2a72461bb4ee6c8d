import ArgumentParser
import Foundation
import Workbench
import Formats

/// `echox repl`: the interactive shell (readline when stdin is a terminal, plain lines otherwise).
struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Open the interactive shell (the default when no subcommand is given)."
    )

    @Flag(help: "Read plain lines even when stdin is a terminal (no editing, completion or history file).")
    var plain = false

    func run() throws {
        Interrupt.install()
        let session = SessionFactory.make()
        let interactive = !plain && isatty(STDIN_FILENO) != 0
        let reader: LineReader
        if interactive {
            let historyURL = EchoXHome.root.appendingPathComponent("history")
            let readline = ReadlineReader(historyURL: historyURL, completer: Completer(session: session))
            session.history = readline.previousLines
            reader = readline
            print("echox workbench — type help; Tab completes; Ctrl-C stops a long command; Ctrl-D quits")
        } else {
            reader = PlainLineReader()
        }
        while let line = reader.readLine(prompt: "echox> ") {
            session.execute(line)
            if session.shouldQuit { break }
        }
        if interactive && !session.shouldQuit { print("") }
    }
}
