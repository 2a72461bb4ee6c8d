import Foundation

/// Settings a job reads before a batch of steps (`set lr 3e-4` in the shell); the shell's
/// settings conform, tests pass a dictionary.
public protocol TrainingSettings {
    func double(_ key: String) -> Double?
    func int(_ key: String) -> Int?
}

extension Dictionary: TrainingSettings where Key == String, Value == Double {
    public func double(_ key: String) -> Double? { self[key] }
    public func int(_ key: String) -> Int? { self[key].map { Int($0) } }
}

/// What rebuilds a job from nothing: its kind and the options it was made with. A run keeps it
/// as `job.json`, so that `load run NAME` (or `train --resume NAME`) can continue the run.
public struct JobSpec: Codable, Equatable, Sendable {
    public var kind: String
    public var options: [String: String]
    public init(kind: String, options: [String: String]) {
        self.kind = kind
        self.options = options
    }
}

/// A labelled look at one step: its inputs, targets and outputs, for the shell's `show sample`.
public struct TrainingSample: Sendable, Equatable {
    public var step: Int
    public var fields: [Field]
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
    }
    /// One line per item of the step's batch (`show batch`), when the job lists them.
    public var batch: [String] = []
    public init(step: Int, fields: [Field], batch: [String] = []) { self.step = step; self.fields = fields; self.batch = batch }
}

/// A training job: anything the trainer framework steps. Language models, the units stages and the
/// EchoX stages are jobs, so `step`, `train for|until`, `show losses`, `plot` and resume work for all.
public protocol TrainingJob: AnyObject {
    /// Short name used for run directories and metric prefixes (`lm`, `units`, `s2t`).
    var name: String { get }
    /// Steps completed so far (a resumed job counts from its checkpoint).
    var completedSteps: Int { get }
    /// True when the job has nothing left to do (stages with a fixed length); `train` stops there.
    var isFinished: Bool { get }
    /// Runs one step.
    func step() throws -> StepReport
    /// Lines for `show params` (shapes, parameter counts, hyper-parameters).
    func describe() -> [(String, String)]
    /// Called before a batch of steps so the job can pick up `set lr …` and the like.
    func apply(settings: TrainingSettings) throws
    /// How to rebuild the job (nil: it cannot be resumed from a run directory).
    var spec: JobSpec? { get }
    /// Writes the trainable state (parameters that train, optimiser moments, step, every random
    /// generator, data order) to `url`, atomically.
    func saveState(to url: URL) throws
    /// Restores a state written by `saveState`; the job must have been built from the same spec.
    func loadState(from url: URL) throws
    /// The last step's sample, when the job shows one.
    var lastSample: TrainingSample? { get }
}

extension TrainingJob {
    public var isFinished: Bool { false }
    public func apply(settings: TrainingSettings) throws {}
    public var spec: JobSpec? { nil }
    public func saveState(to url: URL) throws {}
    public func loadState(from url: URL) throws {
        throw TrainingError("a \(name) job keeps no training state, so it cannot resume from \(url.path)")
    }
    public var lastSample: TrainingSample? { nil }
}

/// A training problem; the message says what to do.
public struct TrainingError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }

    /// Data preparation stopped on request (Ctrl-C) between two items: what it built is on disk.
    public static func stopped(_ what: String) -> TrainingError {
        TrainingError("stopped while building \(what); what was built is kept, and the same command goes on from there")
    }
}
