import Foundation

// MARK: - Standard registry

extension CommandRegistry {
    /// A registry with the built-in commands; other modules register theirs on top.
    public static func standard() -> CommandRegistry {
        let registry = CommandRegistry()
        registry.register(HelpCommand())
        registry.register(HistoryCommand())
        registry.register(SetCommand())
        registry.register(ShowCommand())
        registry.register(TimeitCommand())
        registry.register(SaveCommand())
        registry.register(LoadCommand())
        registry.register(RunCommand())
        registry.register(SampleCommand())
        registry.register(StepCommand())
        registry.register(TrainCommand())
        registry.register(PlotCommand())
        registry.register(QuitCommand(), aliases: ["exit"])
        return registry
    }
}

// MARK: - help

/// `help [command]`.
public final class HelpCommand: WorkbenchCommand {
    public let name = "help"
    public let usage = "help [command]"
    public let summary = "list commands, or explain one"
    public let arguments = [ArgumentSpec("command", completion: .commandName, optional: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let session = context.session
        if let name = words.first {
            guard let command = session.command(named: name) else {
                throw WorkbenchError.unknownCommand(name, suggestion: session.registry.suggestion(for: name))
            }
            context.print("usage: \(command.usage)\n\(command.help)")
            return .ok
        }
        session.reloadPlugins()
        let pluginNames = Set(session.plugins.map(\.name))
        let builtins = session.registry.commands.filter { !pluginNames.contains($0.name) }
        let width = (session.registry.commands.map(\.name.count).max() ?? 8) + 2
        var lines = ["commands:"]
        for command in builtins { lines.append("  " + command.name.padding(toLength: width, withPad: " ", startingAt: 0) + command.summary) }
        if !session.plugins.isEmpty {
            lines.append("plugins:")
            for plugin in session.plugins {
                lines.append("  " + plugin.name.padding(toLength: width, withPad: " ", startingAt: 0) + plugin.summary)
            }
        }
        for problem in session.pluginProblems { lines.append("  (plugin skipped: \(problem))") }
        lines.append("type help <command> for details; Tab completes; Ctrl-C stops a long command at the next step (three times: quit)")
        context.print(lines.joined(separator: "\n"))
        return .ok
    }
}

// MARK: - history

/// `history [n]`: the last n lines typed (persistent across sessions in the REPL).
public final class HistoryCommand: WorkbenchCommand {
    public let name = "history"
    public let usage = "history [n]"
    public let summary = "show the last n commands (default 20)"
    public let arguments = [ArgumentSpec("n", optional: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let count = try words.first.map { try parsePositive($0, what: "count") } ?? 20
        let history = context.session.history
        let first = max(0, history.count - count)
        context.print(history[first...].enumerated().map { String(format: "%5d  ", first + $0.offset + 1) + $0.element }.joined(separator: "\n"))
        return .ok
    }
}

// MARK: - set

/// `set <key> <value>` with typed validation; `set` alone lists the settings.
public final class SetCommand: WorkbenchCommand {
    public let name = "set"
    public let usage = "set <key> <value>"
    public let summary = "change a setting (seed, lr, batch, plot.terminal, plugin.timeout, …)"
    public let arguments = [ArgumentSpec("key", completion: .settingKey), ArgumentSpec("value", completion: .settingValue)]
    public var help: String { "settings:\n" + settingsTable(Settings()) }
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        try context.state.settings.set(words[0], to: words[1])
        context.print("\(words[0]) = \(context.state.settings[words[0]]!)")
        return .ok
    }
}

/// `key  value  help` lines for every setting.
func settingsTable(_ settings: Settings) -> String {
    let width = (settings.keys.map(\.count).max() ?? 4) + 2
    return settings.keys.map { key in
        "  " + key.padding(toLength: width, withPad: " ", startingAt: 0)
            + "\(settings[key]!)".padding(toLength: 10, withPad: " ", startingAt: 0) + settings.specs[key]!.help
    }.joined(separator: "\n")
}

// MARK: - timeit

/// `timeit <command…>`: runs a command and reports its wall-clock time.
public final class TimeitCommand: WorkbenchCommand {
    public let name = "timeit"
    public let usage = "timeit <command> [args…]"
    public let summary = "run a command and print how long it took"
    public let arguments = [ArgumentSpec("command", completion: .commandName), ArgumentSpec("args", optional: true, variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try context.session.run(words.map(Words.quote).joined(separator: " "), output: context.output)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        context.print(seconds < 1 ? String(format: "time: %.3f ms", seconds * 1000) : "time: " + formatDuration(seconds))
        return result
    }
}

// MARK: - quit

/// `quit` / `exit`.
public final class QuitCommand: WorkbenchCommand {
    public let name = "quit"
    public let usage = "quit"
    public let summary = "leave the shell (also: exit, Ctrl-D)"
    public let arguments: [ArgumentSpec] = []
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        CommandResult(quit: true)
    }
}
