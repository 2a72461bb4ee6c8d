import ArgumentParser

struct EchoX: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "echox", abstract: "EchoX Workbench", subcommands: [BenchCommand.self, ModelCommand.self, ChatCommand.self])
}
EchoX.main()
