import Foundation

/// `save session NAME`: writes the lines typed so far, with their outputs, as a notebook.
/// It goes to ./sessions/NAME.md when ./sessions exists, otherwise to $ECHOX_HOME/sessions/NAME.md;
/// `echox run` replays it.
public final class SaveCommand: WorkbenchCommand {
    public let name = "save"
    public let usage = "save session <name>"
    public let summary = "save this session (commands and outputs) as a notebook"
    public let help = """
        save session <name>
            Writes sessions/<name>.md (in the current directory when ./sessions exists, otherwise in
            $ECHOX_HOME/sessions) with one ```echox cell per command and its output below it.
            Commands that failed are left out so that the notebook replays.
            Replay it with `echox run <path>`.
        """
    public let arguments = [ArgumentSpec("what", completion: .words(["session"])), ArgumentSpec("name")]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard words[0] == "session" else { throw WorkbenchError.usage(usage) }
        let url = try SaveCommand.location(for: words[1], state: context.state)
        let typed = context.session.transcript.filter { !$0.input.hasPrefix("save ") }
        let entries = typed.filter { !$0.failed }
        let notebook = Notebook.fromTranscript(entries, title: words[1], notebook: url)
        try notebook.write(to: url)
        let skipped = typed.count - entries.count
        context.print("saved \(entries.count) commands to \(url.path)" + (skipped > 0 ? " (\(skipped) that failed left out, so it replays)" : ""))
        return CommandResult(artifacts: [Artifact(.notebook, url)])
    }

    /// Where session `name` is saved.
    public static func location(for name: String, state: WorkbenchState) throws -> URL {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-"))
        let base = name.hasSuffix(".md") ? String(name.dropLast(3)) : name
        guard !base.isEmpty, !base.hasPrefix("."), base.unicodeScalars.allSatisfy(allowed.contains) else {
            throw WorkbenchError.invalidArgument("session names use letters, digits, '.', '_' and '-' only, not '\(name)'")
        }
        let local = state.workingDirectory.appendingPathComponent("sessions", isDirectory: true)
        var isDir: ObjCBool = false
        let directory = FileManager.default.fileExists(atPath: local.path, isDirectory: &isDir) && isDir.boolValue
            ? local : state.home.appendingPathComponent("sessions", isDirectory: true)
        return directory.appendingPathComponent(base + ".md")
    }
}
