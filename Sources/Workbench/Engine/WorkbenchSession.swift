import Foundation

// MARK: - Context

/// What a running command sees: the session state, the output sink and Ctrl-C.
public final class CommandContext {
    public let session: WorkbenchSession
    public let output: OutputSink

    init(session: WorkbenchSession, output: OutputSink) {
        self.session = session
        self.output = output
    }

    public var state: WorkbenchState { session.state }

    /// Prints one line (or several) followed by a newline.
    public func print(_ text: String) { output.write(text.hasSuffix("\n") ? text : text + "\n") }

    /// True once Ctrl-C was pressed; long commands check this at step boundaries.
    public var isCancelled: Bool { Interrupt.isPending }

    /// A one-line progress reporter for `total` steps (nil when unknown).
    public func progress(_ label: String, total: Int?) -> Progress {
        Progress(label, total: total, sink: output)
    }
}

// MARK: - Transcript

/// One executed line with what it printed and produced (the material of `save session`).
public struct TranscriptEntry {
    public var input: String
    public var output: String
    public var artifacts: [Artifact]
    public var failed: Bool
}

/// The outcome of executing one line: never throws, errors are described.
public struct ExecutionOutcome {
    public var result: CommandResult
    /// The error message when the line failed (also printed as `error: …`).
    public var error: String?
    /// Everything the line printed.
    public var output: String
    public var failed: Bool { error != nil }
}

// MARK: - Session

/// One shell session: parses lines, runs commands against one `WorkbenchState`, keeps history.
public final class WorkbenchSession {
    public let registry: CommandRegistry
    public let state: WorkbenchState
    public var output: OutputSink
    /// Lines typed, oldest first (the REPL seeds it with the persistent history).
    public var history: [String] = []
    public private(set) var transcript: [TranscriptEntry] = []
    /// Directories searched for plugins, in order (first match of a name wins).
    public var pluginDirectories: [URL]
    public private(set) var plugins: [PluginManifest] = []
    /// Set by `quit`; the front end stops reading.
    public private(set) var shouldQuit = false

    public init(state: WorkbenchState = WorkbenchState(), output: OutputSink = StandardOutputSink(),
                registry: CommandRegistry = .standard(), pluginDirectories: [URL]? = nil) {
        self.state = state
        self.output = output
        self.registry = registry
        self.pluginDirectories = pluginDirectories ?? [
            state.workingDirectory.appendingPathComponent("plugins", isDirectory: true),
            state.home.appendingPathComponent("plugins", isDirectory: true),
        ]
        reloadPlugins()
    }

    /// Executes one line: prints its output (errors as `error: …`) and records it.
    @discardableResult
    public func execute(_ line: String) -> ExecutionOutcome {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else {
            return ExecutionOutcome(result: .ok, error: nil, output: "")
        }
        history.append(trimmed)
        Interrupt.clear()
        let tee = TeeSink(output)
        var result = CommandResult.ok
        var message: String?
        do {
            result = try run(trimmed, output: tee)
            if result.quit { shouldQuit = true }
        } catch {
            message = "\(error)"
            tee.write("error: \(message!)\n")
        }
        tee.endProgress()
        Interrupt.clear()
        let text = tee.recorder.take()
        transcript.append(TranscriptEntry(input: trimmed, output: text, artifacts: result.artifacts, failed: message != nil))
        return ExecutionOutcome(result: result, error: message, output: text)
    }

    /// Parses and runs a line, throwing its error (used by `execute` and by `timeit`).
    public func run(_ line: String, output sink: OutputSink) throws -> CommandResult {
        let words = try Words.split(line)
        guard let name = words.first else { return .ok }
        guard let command = command(named: name) else {
            throw WorkbenchError.unknownCommand(name, suggestion: registry.suggestion(for: name))
        }
        let arguments = Array(words.dropFirst())
        try command.checkArity(arguments)
        return try command.run(arguments, in: CommandContext(session: self, output: sink))
    }

    /// The command for a name, looking for plugins added since the session started.
    public func command(named name: String) -> WorkbenchCommand? {
        if let found = registry.command(named: name) { return found }
        reloadPlugins()
        return registry.command(named: name)
    }

    // MARK: Plugins

    /// Rescans the plugin directories and registers each plugin as a command.
    public func reloadPlugins() {
        for old in plugins { registry.unregister(old.name) }
        plugins = []
        var seen = Set<String>()
        for manifest in PluginManifest.discover(in: pluginDirectories) where !seen.contains(manifest.name) {
            if registry.command(named: manifest.name) != nil { continue }  // built-ins win
            seen.insert(manifest.name)
            plugins.append(manifest)
            registry.register(PluginCommand(manifest))
        }
    }

    /// Problems found while scanning plugin directories (bad manifests), for `help`.
    public var pluginProblems: [String] { PluginManifest.problems(in: pluginDirectories) }
}
