import Foundation
import Formats

/// A run directory `runs/<name>/`: `metrics.jsonl`, `job.json` (what rebuilds the job),
/// `checkpoint.safetensors` (its trainable state), plots and audio.
public struct RunDirectory: Equatable, Sendable {
    public let name: String
    public let url: URL

    /// Opens (creating if needed) the run `name` under `root`; names are plain words.
    public init(name: String, root: URL) throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-"))
        guard !name.isEmpty, !name.hasPrefix("."), name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw TrainingError("run names use letters, digits, '.', '_' and '-' only, not '\(name)'")
        }
        self.name = name
        self.url = root.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }
    public var plotsURL: URL { url.appendingPathComponent("plots", isDirectory: true) }
    public var checkpointURL: URL { url.appendingPathComponent("checkpoint.safetensors") }
    public var specURL: URL { url.appendingPathComponent("job.json") }

    public var hasCheckpoint: Bool { FileManager.default.fileExists(atPath: checkpointURL.path) }

    /// Writes the job's spec and trainable state (each atomically: a kill leaves the previous pair or the new one).
    public func saveCheckpoint(of job: TrainingJob) throws {
        if let spec = job.spec {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(spec), to: specURL)
        }
        try job.saveState(to: checkpointURL)
    }

    /// The spec of the job this run trains.
    public func readSpec() throws -> JobSpec {
        guard let data = FileManager.default.contents(atPath: specURL.path) else {
            throw TrainingError("run \(name) has no job.json, so it cannot be resumed — it was not made by `train`, or its job keeps no state")
        }
        do { return try JSONDecoder().decode(JobSpec.self, from: data) } catch {
            throw TrainingError("\(specURL.path) is not a job description ({\"kind\", \"options\"}): \(error) — fix or delete the file")
        }
    }

    /// Restores `job` from the checkpoint and drops metrics logged after it, so the run goes on
    /// exactly as if it had never stopped.
    public func resume(_ job: TrainingJob) throws {
        guard hasCheckpoint else { throw TrainingError("run \(name) has no checkpoint yet (\(checkpointURL.path)): train it first") }
        try job.loadState(from: checkpointURL)
        try MetricsLog.truncate(metricsURL, toStep: job.completedSteps)
    }
}
