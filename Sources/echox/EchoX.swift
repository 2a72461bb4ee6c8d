import ArgumentParser

/// `echox`: the EchoX workbench. Without a subcommand it opens the interactive shell.
@main
struct EchoX: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echox",
        abstract: "EchoX workbench: train and inspect a speech-to-speech LLM on a CPU.",
        discussion: "Without a subcommand, opens the interactive shell (same as `echox repl`).",
        subcommands: EchoXSubcommands.all,
        defaultSubcommand: Repl.self
    )
}
