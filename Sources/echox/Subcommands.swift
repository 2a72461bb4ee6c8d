import ArgumentParser

/// Every subcommand of `echox`, in the order `echox --help` lists them.
/// Add a new subcommand as its own type in its own file, then list it here.
enum EchoXSubcommands {
    static let all: [ParsableCommand.Type] = [
        Repl.self,
        RunNotebook.self,
        BenchCommand.self,
        ChatCommand.self,
        ModelCommand.self,
        CorpusCommand.self,
        PlayCommand.self,
        UnitsCommand.self,
    ]
}
