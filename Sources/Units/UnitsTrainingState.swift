import Foundation
import Formats
import NN
import Optim
import Tensor

/// The training state of one units stage: a `Checkpoint` with its own format tag, so that a
/// stopped stage resumes exactly and a state of another kind is never loaded by mistake.
public enum UnitsTrainingState {
    static let formatTag = "echox-units-state-1"

    public static func save(model: Module, optimizer: AdamW, rng: SeededRandom, to url: URL) throws {
        try Checkpoint.save(model: model, optimizer: optimizer, rng: rng, formatTag: formatTag, to: url)
    }

    /// Restores a state written by `save`; returns false when there is no file.
    public static func load(model: Module, optimizer: AdamW, rng: inout SeededRandom, from url: URL) throws -> Bool {
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        do {
            try Checkpoint.load(model: model, optimizer: optimizer, rng: &rng, formatTag: formatTag, from: url)
        } catch {
            throw UnitsModelError("\(url.path) could not be restored (\(error)): delete it to restart that stage")
        }
        return true
    }

    /// Writes only the parameters of `model` (the finished weights).
    /// A training stage's answer to a stop request at a step boundary: saves the state (when there is
    /// a file for it) and throws `UnitsTrainingStopped` at `point`.
    public static func stop(model: Module, optimizer: AdamW, rng: SeededRandom, stateURL: URL?, at point: String) throws -> Never {
        if let stateURL { try save(model: model, optimizer: optimizer, rng: rng, to: stateURL) }
        throw UnitsTrainingStopped(point: point)
    }

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

/// Units training stopped on request (Ctrl-C in the workbench) where it can go on from: the
/// running stage saved its state, finished stages their files.
public struct UnitsTrainingStopped: Error, CustomStringConvertible, LocalizedError {
    /// Where it stopped, e.g. "encoder step 120/400" or "after k-means".
    public let point: String
    public init(point: String) { self.point = point }
    public var description: String { "units training stopped at \(point); its progress is saved, and the same command goes on from there" }
    public var errorDescription: String? { description }
}
