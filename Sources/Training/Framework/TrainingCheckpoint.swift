import Foundation
import Formats
import NN
import Optim
import Tensor

/// The trainable state of a job as one safetensors file: the parameters that train (`param.*`; frozen
/// weights are rebuilt from their source, so a LoRA run stores only its adapters), the optimiser's
/// moments, and in the metadata the step, every random generator and the job's own fields.
/// Loading it into a job built from the same spec continues the run exactly where it stopped.
public enum TrainingCheckpoint {
    public static let formatTag = "echox-training-state-2"

    /// Everything a checkpoint holds besides the tensors.
    public struct Contents {
        public var step: Int
        /// Named generators: `data` for batch sampling, `dropout.<module path>` for masks, …
        public var generators: [String: SeededRandom]
        /// Fields of the job (its kind, a stage name, a data cursor).
        public var fields: [String: String]
        /// The task's own state (`task.*` tensors and fields).
        public var task: TaskState
        public init(step: Int, generators: [String: SeededRandom], fields: [String: String] = [:], task: TaskState = TaskState()) {
            self.step = step; self.generators = generators; self.fields = fields; self.task = task
        }
    }

    public static func save(parameters: [(String, Tensor)], optimizer: Optimizer, contents: Contents, to url: URL) throws {
        var tensors = parameters.map { ("param.\($0.0)", $0.1) }
        tensors += optimizer.state.tensors
        tensors += contents.task.tensors.map { ("task.\($0.0)", $0.1) }
        var metadata = contents.fields.reduce(into: [String: String]()) { $0["field.\($1.key)"] = $1.value }
        for (key, value) in contents.task.fields { metadata["task.\(key)"] = value }
        metadata["format"] = formatTag
        metadata["step"] = String(contents.step)
        for (name, generator) in contents.generators {
            metadata["rng.\(name)"] = generator.state.map(String.init).joined(separator: ",")
        }
        try Safetensors.write(tensors, metadata: metadata, to: url)
    }

    /// Reads a checkpoint and, only when every part of it fits, copies its values into `parameters`
    /// and `optimizer` and commits the task's state that `checkTask` accepted (it throws when the state
    /// does not fit); returns the rest for the job to restore. A damaged or foreign file changes nothing.
    public static func load(parameters: [(String, Tensor)], optimizer: Optimizer, from url: URL,
                            checkTask: (TaskState) throws -> () -> Void = { _ in {} }) throws -> Contents {
        let (file, step) = try open(url)
        var generators: [String: SeededRandom] = [:]
        var fields: [String: String] = [:]
        var task = TaskState()
        for (key, value) in file.metadata {
            if key.hasPrefix("rng.") {
                let words = value.split(separator: ",").compactMap { UInt64($0) }
                guard words.count == 4 else { throw TrainingError("\(url.path) has a malformed random-generator state for \(key.dropFirst(4))") }
                var generator = SeededRandom(seed: 0)
                generator.state = words
                generators[String(key.dropFirst(4))] = generator
            } else if key.hasPrefix("field.") {
                fields[String(key.dropFirst(6))] = value
            } else if key.hasPrefix("task.") {
                task.fields[String(key.dropFirst(5))] = value
            }
        }
        // Read and check every tensor before changing anything.
        var values: [String: Tensor] = [:]
        var optimizerTensors: [(String, Tensor)] = []
        for name in file.names {
            let t = try file.tensor(named: name)
            if name.hasPrefix("param.") {
                values[String(name.dropFirst(6))] = t
            } else if name.hasPrefix("task.") {
                task.tensors.append((String(name.dropFirst(5)), t))
            } else {
                optimizerTensors.append((name, t))
            }
        }
        let expected = Set(parameters.map(\.0))
        let missing = expected.subtracting(values.keys).sorted()
        let unexpected = Set(values.keys).subtracting(expected).sorted()
        guard missing.isEmpty && unexpected.isEmpty else {
            let detail = (missing.isEmpty ? "" : "missing \(missing.prefix(3).joined(separator: ", "))")
                + (unexpected.isEmpty ? "" : " unexpected \(unexpected.prefix(3).joined(separator: ", "))")
            throw TrainingError("\(url.path) belongs to a job with other trainable parameters (\(detail)): resume it with the settings it was made with, or start a new run")
        }
        for (name, p) in parameters where values[name]!.shape != p.shape {
            throw TrainingError("\(url.path): parameter \(name) has shape \(values[name]!.shape) but the job's is \(p.shape) — the checkpoint belongs to a differently sized model")
        }
        // The optimiser checks its whole state before it copies any of it.
        let commitTask = try checkTask(task)
        try optimizer.load(OptimizerState(stepCount: step, tensors: optimizerTensors))
        for (name, p) in parameters { p.data.update(from: values[name]!.data, count: p.count) }
        commitTask()
        return Contents(step: step, generators: generators, fields: fields, task: task)
    }

    /// The trained parameters of a checkpoint by path (without `param.`), for using what a run learned.
    public static func parameters(in url: URL) throws -> (step: Int, values: [String: Tensor]) {
        let (file, step) = try open(url)
        var values: [String: Tensor] = [:]
        for name in file.names where name.hasPrefix("param.") { values[String(name.dropFirst(6))] = try file.tensor(named: name) }
        return (step, values)
    }

    /// The file and its step, once it is known to be a training state.
    private static func open(_ url: URL) throws -> (SafetensorsFile, Int) {
        let file: SafetensorsFile
        do { file = try Safetensors.read(url) } catch {
            throw TrainingError("\(url.path) cannot be read (\(error)): the checkpoint is damaged — delete it to start the run over")
        }
        guard file.metadata["format"] == formatTag else {
            throw TrainingError("\(url.path) is not an EchoX training state (no '\(formatTag)' tag): pass a checkpoint written by `train`, or delete it to start over")
        }
        guard let step = file.metadata["step"].flatMap({ Int($0) }), step >= 0 else {
            throw TrainingError("\(url.path) lacks its step: the file is damaged; delete it to start over")
        }
        return (file, step)
    }
}
