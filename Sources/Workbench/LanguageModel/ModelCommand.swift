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
            for entry in ModelStore.known {
                let present = FileManager.default.fileExists(atPath: EchoXHome.models.appendingPathComponent(entry.fileName).path)
                context.print("\(entry.name)\t\(present ? "fetched" : "not fetched")\t\(entry.summary)")
            }
            return .ok
        case let w where w.count == 2 && w[0] == "fetch":
            do {
                let url = try ModelStore.fetch(w[1]) { context.print($0) }
                context.state.lastOutputs["model"] = url.path
            } catch { throw WorkbenchError.failed("\(error)") }
            return .ok
        default:
            throw WorkbenchError.usage(usage)
        }
    }
}
