import ArgumentParser

/// Every subcommand of `echox`, in the order `echox --help` lists them.
/// Add a new subcommand as its own type in its own file, then list it here; shell commands come
/// through `ShellCommandLine` (a test checks that each names a command of the shell).
enum EchoXSubcommands {
    static let all: [ParsableCommand.Type] = [
        Repl.self,
        RunNotebook.self,
        BenchCommand.self,
        ChatLine.self,
        ModelLine.self,
        CorpusLine.self,
        UnitsLine.self,
        SayLine.self,
        PlayLine.self,
        TrainLine.self,
        TranscribeLine.self,
        EvalLine.self,
        AskLine.self,
    ]

    /// The shell commands the command line offers.
    static var shellNames: [String] { all.compactMap { ($0 as? any ShellCommandLine.Type)?.shellName } }
}
