import Foundation
import Formats
import NN
import Optim
import Tensor

/// A training state of one units stage as a safetensors file (atomic write): parameters (`model.*`),
/// AdamW moments, and in the metadata the step and random generator, so a stopped stage resumes exactly.
public enum UnitsTrainingState {
    static let formatTag = "echox-units-state-1"

    public static func save(model: Module, optimizer: AdamW, rng: SeededRandom, to url: URL) throws {
        var tensors = model.namedParameters.map { ("model.\($0.0)", $0.1) }
        tensors += optimizer.state.tensors
        try Safetensors.write(tensors, metadata: ["format": formatTag, "step": String(optimizer.stepCount),
                                                  "rng": rng.state.map(String.init).joined(separator: ",")], to: url)
    }

    /// Restores a state written by `save`; returns false when there is no file.
    public static func load(model: Module, optimizer: AdamW, rng: inout SeededRandom, from url: URL) throws -> Bool {
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        let file = try Safetensors.read(url)
        guard file.metadata["format"] == formatTag, let step = file.metadata["step"].flatMap({ Int($0) }),
              let words = file.metadata["rng"]?.split(separator: ",").compactMap({ UInt64($0) }), words.count == 4 else {
            throw UnitsModelError("\(url.path) is not a units training state: delete it to restart that stage")
        }
        var parameters: [String: Tensor] = [:], moments: [(String, Tensor)] = []
        for name in file.names {
            let t = try file.tensor(named: name)
            if name.hasPrefix("model.") { parameters[String(name.dropFirst(6))] = t } else { moments.append((name, t)) }
        }
        try model.load(parameters: parameters, strict: true)
        try optimizer.load(OptimizerState(stepCount: step, tensors: moments))
        rng.state = words
        return true
    }

    /// Writes only the parameters of `model` (the finished weights).
    public static func saveWeights(_ model: Module, to url: URL) throws {
        try Safetensors.write(model.namedParameters, metadata: ["format": "echox-units-weights-1"], to: url)
    }

    /// Loads weights written by `saveWeights`.
    public static func loadWeights(_ model: Module, from url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw UnitsModelError("missing \(url.lastPathComponent) in \(url.deletingLastPathComponent().path): finish training with `echox units train`")
        }
        let file = try Safetensors.read(url)
        try model.load(parameters: Dictionary(try file.floatTensors(), uniquingKeysWith: { a, _ in a }), strict: true)
    }
}

/// A units model or pipeline problem; the message says what to do.
public struct UnitsModelError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
