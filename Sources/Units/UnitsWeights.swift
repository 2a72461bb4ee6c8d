import Foundation
import Formats
import NN
import Tensor

/// The finished weights of one part of a units model (encoder, vocoder, durations) as safetensors.
public enum UnitsWeights {
    static let formatTag = "echox-units-weights-1"

    /// Writes every parameter of `model` (atomically).
    public static func save(_ model: Module, to url: URL) throws {
        try Safetensors.write(model.namedParameters, metadata: ["format": formatTag], to: url)
    }

    /// Loads weights written by `save`; a missing or damaged file says how to rebuild it.
    public static func load(_ model: Module, from url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw UnitsModelError("missing \(url.lastPathComponent) in \(url.deletingLastPathComponent().path): finish training with `units train`")
        }
        do {
            let file = try Safetensors.read(url)
            try model.load(parameters: Dictionary(try file.floatTensors(), uniquingKeysWith: { a, _ in a }), strict: true)
        } catch {
            throw UnitsModelError.damaged(url, error)
        }
    }
}

/// A units model or pipeline problem; the message says what to do.
public struct UnitsModelError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }

    /// A stage file that exists but cannot be read: reported, never silently retrained.
    public static func damaged(_ url: URL, _ error: Error) -> UnitsModelError {
        UnitsModelError("\(url.path) is damaged (\(error)): delete it and run `units train` with the same corpus and out= again to rebuild that stage")
    }
}
