import Foundation
import Formats
import NN
import Tensor

/// A training state saved as one safetensors file: parameters (`model.*`), optimiser state,
/// and in the metadata the step, the random generator and the settings. Loading it into a
/// freshly built trainer continues the run exactly where it stopped.
public enum Checkpoint {
    public static let formatTag = "echox-training-state-1"

    public static func save(model: Module, optimizer: Optimizer, rng: SeededRandom, extra: [String: String] = [:],
                            formatTag: String = formatTag, to url: URL) throws {
        var tensors = model.namedParameters.map { ("model.\($0.0)", $0.1) }
        tensors += optimizer.state.tensors
        var metadata = extra
        metadata["format"] = formatTag
        metadata["step"] = String(optimizer.stepCount)
        metadata["rng"] = rng.state.map(String.init).joined(separator: ",")
        try Safetensors.write(tensors, metadata: metadata, to: url)
    }

    /// Restores parameters, optimiser state and generator; returns the file's metadata.
    @discardableResult
    public static func load(model: Module, optimizer: Optimizer, rng: inout SeededRandom,
                            formatTag: String = formatTag, from url: URL) throws -> [String: String] {
        let file = try Safetensors.read(url)
        guard file.metadata["format"] == formatTag else {
            throw CheckpointError("\(url.path) is not an EchoX training state of this kind (no '\(formatTag)' tag): pass a checkpoint written by the same kind of training, or delete it to start over")
        }
        guard let stepText = file.metadata["step"], let step = Int(stepText),
              let rngText = file.metadata["rng"] else {
            throw CheckpointError("\(url.path) lacks its step or random-generator state: the file is damaged; use an earlier checkpoint")
        }
        let words = rngText.split(separator: ",").compactMap { UInt64($0) }
        guard words.count == 4 else { throw CheckpointError("\(url.path) has a malformed random-generator state '\(rngText)'") }
        var parameters: [String: Tensor] = [:]
        var optimizerTensors: [(String, Tensor)] = []
        for name in file.names {
            let t = try file.tensor(named: name)
            if name.hasPrefix("model.") { parameters[String(name.dropFirst(6))] = t } else { optimizerTensors.append((name, t)) }
        }
        try model.load(parameters: parameters, strict: true)
        try optimizer.load(OptimizerState(stepCount: step, tensors: optimizerTensors))
        rng.state = words
        return file.metadata
    }
}

public struct CheckpointError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

