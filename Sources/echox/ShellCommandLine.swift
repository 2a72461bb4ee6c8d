import ArgumentParser
import Foundation
import Workbench

/// A shell command on the command line: `echox chat --model smollm2 "Hi"` runs the shell's `chat`
/// with the same words, so both front ends share one implementation, one option table (the shell's
/// `name=value` and the command line's `--name value` parse alike) and one set of defaults.
protocol ShellCommandLine: ParsableCommand {
    /// The shell command's name.
    static var shellName: String { get }
    var words: [String] { get }
}

extension ShellCommandLine {
    /// The configuration of the command line's `NAME`: the shell command's summary and help.
    static func bridge(_ name: String) -> CommandConfiguration {
        let command = CommandRegistry.workbench().command(named: name)
        return CommandConfiguration(commandName: name, abstract: command?.summary ?? "",
                                    discussion: "The shell's `\(name)` command: options are written --name value (or name=value).\n\n" + (command?.help ?? ""))
    }

    func run() throws {
        try ShellLine.run([Self.shellName] + words)
    }
}

enum ShellLine {
    /// Runs one shell command from command-line words: its output to stdout, its error to stderr
    /// with exit status 1 (130 after Ctrl-C). `chat` without text reads one message per line.
    static func run(_ words: [String]) throws {
        if words.contains("--help") || words.contains("-h") {
            let command = CommandRegistry.workbench().command(named: words[0])
            print(command.map { "usage: \($0.usage)\n\n\($0.help)" } ?? "no shell command \(words[0])")
            return
        }
        Interrupt.install()
        let sink = StandardOutputSink()
        let session = SessionFactory.make(output: sink)
        if words[0] == "chat", let chat = session.registry.command(named: "chat") as? ChatCommand,
           (try? CommandOptions(Array(words.dropFirst()), specs: chat.options, usage: chat.usage))?.positional.isEmpty == true {
            return try chatLoop(words, session: session, sink: sink)
        }
        try execute(words, session: session, sink: sink)
    }

    static func execute(_ words: [String], session: WorkbenchSession, sink: OutputSink) throws {
        do {
            let result = try session.run(words.map(Words.quote).joined(separator: " "), output: sink)
            sink.endProgress()
            if result.wasInterrupted { throw ExitCode(130) }
        } catch let code as ExitCode {
            throw code
        } catch {
            sink.endProgress()
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// `echox chat [options]`: one message a line from stdin (an empty line or /exit ends, /clear starts over).
    static func chatLoop(_ words: [String], session: WorkbenchSession, sink: OutputSink) throws {
        let interactive = isatty(STDIN_FILENO) != 0
        while true {
            if interactive { print("> ", terminator: ""); fflush(stdout) }
            guard let line = readLine() else { break }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text == "/exit" || text == "/quit" { break }
            try execute(words + [text == "/clear" ? "clear" : text], session: session, sink: sink)
        }
    }
}

// MARK: - The shell commands the command line offers

struct ChatLine: ShellCommandLine {
    static let shellName = "chat"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}

struct ModelLine: ShellCommandLine {
    static let shellName = "model"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}

struct CorpusLine: ShellCommandLine {
    static let shellName = "corpus"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}

struct UnitsLine: ShellCommandLine {
    static let shellName = "units"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}

struct PlayLine: ShellCommandLine {
    static let shellName = "play"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}

struct SayLine: ShellCommandLine {
    static let shellName = "say"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}

struct TrainLine: ShellCommandLine {
    static let shellName = "train"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}

struct TranscribeLine: ShellCommandLine {
    static let shellName = "transcribe"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}

struct EvalLine: ShellCommandLine {
    static let shellName = "eval"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}

struct AskLine: ShellCommandLine {
    static let shellName = "ask"
    static let configuration = bridge(shellName)
    @Argument(parsing: .captureForPassthrough) var words: [String] = []
}
