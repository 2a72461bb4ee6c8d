import Foundation
import Formats
import Models

/// `model fetch <name>` / `model list`: the model cache from inside the shell.
public final class ModelCommand: WorkbenchCommand {
    public let name = "model"
    public let usage = "model fetch <name> | model list"
    public let summary = "fetch a known pretrained model into $ECHOX_HOME/models, or list them"
    public var arguments: [ArgumentSpec] {
        [ArgumentSpec("action", completion: .words(["fetch", "list"])), ArgumentSpec("name", completion: .words(ModelStore.known.map(\.name)), optional: true)]
    }
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        switch words {
        case ["list"]:
            let cache = context.state.home.appendingPathComponent("models", isDirectory: true)
            context.print("model cache: \(cache.path)")
            for entry in ModelStore.known {
                let present = FileManager.default.fileExists(atPath: cache.appendingPathComponent(entry.fileName).path)
                context.print("\(entry.name)\t\(present ? "fetched" : "not fetched (model fetch \(entry.name))")\t\(entry.summary)")
            }
            let others = ((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? [])
                .filter { $0.hasSuffix(".gguf") && !ModelStore.known.map(\.fileName).contains($0) }.sorted()
            for name in others { context.print("\(cache.appendingPathComponent(name).path)\t(file)") }
            return .ok
        case let w where w.count == 2 && w[0] == "fetch":
            let url = try library { try ModelStore.fetch(w[1]) { context.print($0) } }
            context.print(url.path)
            context.state.lastOutputs["model"] = url.path
            return .ok
        default:
            throw WorkbenchError.usage(usage)
        }
    }
}
