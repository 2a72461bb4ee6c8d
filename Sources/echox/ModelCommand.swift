import ArgumentParser
import Foundation
import Formats
import Models

/// `echox model …`: the pretrained models in the model cache.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fetch and list pretrained models in $ECHOX_HOME/models.",
        subcommands: [ModelFetchCommand.self, ModelListCommand.self])
}

/// `echox model fetch NAME`: downloads a known model into the cache.
struct ModelFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fetch", abstract: "Put a known model into the model cache.")

    @Argument(help: "Model name (\(ModelStore.known.map(\.name).joined(separator: ", "))).") var name: String

    func run() throws {
        do {
            let url = try ModelStore.fetch(name, log: { print($0) })
            print(url.path)
        } catch {
            throw CLIError("\(error)")
        }
    }
}

/// `echox model list`: known models and whether each is in the cache.
struct ModelListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List known models and the cache.")

    func run() throws {
        print("model cache: \(EchoXHome.models.path)")
        for entry in ModelStore.known {
            let url = EchoXHome.models.appendingPathComponent(entry.fileName)
            let present = FileManager.default.fileExists(atPath: url.path)
            print("\(entry.name)\t\(present ? "fetched" : "not fetched (echox model fetch \(entry.name))")\t\(entry.summary)")
        }
        let others = ((try? FileManager.default.contentsOfDirectory(atPath: EchoXHome.models.path)) ?? [])
            .filter { $0.hasSuffix(".gguf") && !ModelStore.known.map(\.fileName).contains($0) }.sorted()
        for name in others { print("\(EchoXHome.models.appendingPathComponent(name).path)\t(file)") }
    }
}

/// An error printed as its message, for command failures.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
