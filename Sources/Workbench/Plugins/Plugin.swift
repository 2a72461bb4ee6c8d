import Foundation

// MARK: - Manifest

/// `plugins/<name>/plugin.json`: {"name", "summary", "usage", "exec"} with `exec` relative to the plugin directory.
public struct PluginManifest: Equatable {
    public var name: String
    public var summary: String
    public var usage: String
    /// Absolute path of the executable.
    public var executable: URL
    public var directory: URL

    /// Reads and checks a manifest.
    public init(manifestAt url: URL) throws {
        let directory = url.deletingLastPathComponent()
        guard let data = FileManager.default.contents(atPath: url.path) else { throw WorkbenchError.missingFile(url.path) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw WorkbenchError.invalidArgument("\(url.path): not a JSON object")
        }
        func field(_ key: String) throws -> String {
            guard let value = object[key] as? String, !value.isEmpty else {
                throw WorkbenchError.invalidArgument("\(url.path): needs a non-empty string \"\(key)\"")
            }
            return value
        }
        name = try field("name")
        guard !name.contains(where: { $0.isWhitespace }) else {
            throw WorkbenchError.invalidArgument("\(url.path): plugin name '\(name)' must be one word")
        }
        summary = (object["summary"] as? String) ?? ""
        usage = (object["usage"] as? String) ?? name
        let exec = try field("exec")
        guard !exec.hasPrefix("/") else { throw WorkbenchError.invalidArgument("\(url.path): \"exec\" must be relative to the plugin directory") }
        executable = try PluginManifest.contained(exec, in: directory, manifest: url)
        self.directory = directory
    }

    /// The path of `exec` in `directory`, once `..` and symbolic links, followed, are found to lead to
    /// a file inside the plugin directory (itself resolved): a manifest cannot run a program elsewhere.
    static func contained(_ exec: String, in directory: URL, manifest: URL) throws -> URL {
        let root = directory.standardizedFileURL.resolvingSymlinksInPath().path
        let path = directory.appendingPathComponent(exec).standardizedFileURL
        let target = path.resolvingSymlinksInPath()
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard target.path.hasPrefix(prefix) else {
            throw WorkbenchError.invalidArgument("\(manifest.path): \"exec\" \(exec) leads to \(target.path), outside the plugin directory \(root) — put the executable (or a script that calls the program) inside the plugin's folder")
        }
        return path
    }

    /// Manifests found in `<dir>/<name>/plugin.json` for each directory, in order.
    public static func discover(in directories: [URL]) -> [PluginManifest] {
        scan(directories).compactMap { try? $0.get() }
    }

    /// Descriptions of manifests that could not be read.
    public static func problems(in directories: [URL]) -> [String] {
        scan(directories).compactMap { result in
            if case .failure(let error) = result { return "\(error)" }
            return nil
        }
    }

    private static func scan(_ directories: [URL]) -> [Result<PluginManifest, Error>] {
        var results: [Result<PluginManifest, Error>] = []
        for directory in directories {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
            for name in names where !name.hasPrefix(".") {
                let manifest = directory.appendingPathComponent(name).appendingPathComponent("plugin.json")
                guard FileManager.default.fileExists(atPath: manifest.path) else { continue }
                results.append(Result { try PluginManifest(manifestAt: manifest) })
            }
        }
        return results
    }
}

// MARK: - Command

/// A plugin as a shell command: runs its executable with the words as arguments and a JSON
/// context on stdin, and shows what it prints.
public final class PluginCommand: WorkbenchCommand {
    public let manifest: PluginManifest
    public var name: String { manifest.name }
    public var usage: String { manifest.usage }
    public var summary: String { manifest.summary.isEmpty ? "plugin in \(manifest.directory.path)" : manifest.summary }
    public var help: String { "\(summary)\n(plugin: \(manifest.executable.path))" }
    public let arguments = [ArgumentSpec("args", completion: .filePath, optional: true, variadic: true)]

    public init(_ manifest: PluginManifest) { self.manifest = manifest }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard FileManager.default.isExecutableFile(atPath: manifest.executable.path) else {
            throw WorkbenchError.failed("plugin \(name): \(manifest.executable.path) is missing or not executable — chmod +x it")
        }
        let timeout = context.state.settings.double("plugin.timeout") ?? 120
        var environment = ProcessInfo.processInfo.environment
        environment["ECHOX_HOME"] = context.state.home.path
        let result = try Subprocess.run(manifest.executable.path, arguments: words, input: PluginCommand.context(for: context.state),
                                        environment: environment, timeout: timeout)
        let out = String(decoding: result.stdout, as: UTF8.self)
        let err = String(decoding: result.stderr, as: UTF8.self)
        if !out.isEmpty { context.print(out) }
        switch result.ending {
        case .exited(0):
            context.state.lastOutputs[name] = out.trimmingCharacters(in: .whitespacesAndNewlines)
            return .ok
        case .exited(let code):
            throw WorkbenchError.failed("plugin \(name) failed with exit status \(code)" + PluginCommand.tail(err))
        case .signalled(let signal):
            throw WorkbenchError.failed("plugin \(name) crashed (signal \(signal))" + PluginCommand.tail(err))
        case .timedOut:
            throw WorkbenchError.failed("plugin \(name) timed out after \(formatNumber(timeout)) s and was stopped — raise it with `set plugin.timeout <seconds>`")
        case .interrupted:
            context.print("plugin \(name) stopped by Ctrl-C")
            return CommandResult(wasInterrupted: true)
        }
    }

    /// The JSON object a plugin reads on stdin: echox_home, run {name, path}, models {slot: {kind, source}},
    /// model (the `lm` slot), sample and last_outputs; absent things are null.
    public static func context(for state: WorkbenchState) -> Data {
        var object: [String: Any] = ["echox_home": state.home.path]
        if let run = state.run { object["run"] = ["name": run.name, "path": run.url.path] } else { object["run"] = NSNull() }
        var models: [String: Any] = [:]
        for (slot, model) in state.models { models[slot] = ["kind": model.kind, "source": model.source] }
        object["models"] = models
        if let lm = state.models["lm"] { object["model"] = ["kind": lm.kind, "source": lm.source] } else { object["model"] = NSNull() }
        if let sample = state.currentSample { object["sample"] = sample } else { object["sample"] = NSNull() }
        var outputs: [String: Any] = [:]
        for (key, value) in state.lastOutputs { outputs[key] = value }
        object["last_outputs"] = outputs
        do {
            return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        } catch {
            return Data("{\"echox_home\": \(jsonString(state.home.path))}".utf8)
        }
    }

    /// The last lines of stderr, indented, for error messages.
    static func tail(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").suffix(5)
        return lines.isEmpty ? "" : ":\n" + lines.map { "  " + $0 }.joined(separator: "\n")
    }
}
