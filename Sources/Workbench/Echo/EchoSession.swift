import Foundation
import Training

/// The Echo job the session has loaded (`load echo RUN`), for the commands that look into it.
enum EchoSession {
    /// The loaded Echo task, or an error saying how to load one.
    static func task(_ context: CommandContext, for command: String) throws -> EchoTask {
        guard let job = context.state.job else {
            throw WorkbenchError.invalidArgument("\(command) looks into an Echo run, and none is loaded: `load echo RUN` (or `load echo preset=tiny`) first")
        }
        guard let task = (job as? GradientTrainer)?.task as? EchoTask else {
            throw WorkbenchError.invalidArgument("\(command) needs an Echo run, but the loaded job is \(job.name): `load echo RUN` first")
        }
        return task
    }

    /// The sample a command names (default 0).
    static func sample(_ word: String?, _ task: EchoTask) throws -> Int {
        guard let word else { return 0 }
        guard let index = Int(word), task.examples.indices.contains(index) else {
            throw WorkbenchError.invalidArgument("'\(word)' is no sample: give 0…\(task.examples.count - 1)")
        }
        return index
    }

    static func text(_ ids: [Int32], _ task: EchoTask) -> String { task.decode?(ids) ?? ids.map(String.init).joined(separator: " ") }

    static func words(_ ids: [Int32]) -> String { ids.map(String.init).joined(separator: " ") }

    /// Where the session's plots of the loaded run go.
    static func plots(_ context: CommandContext) throws -> URL {
        let run = try context.state.ensureRun(prefix: "echo")
        try FileManager.default.createDirectory(at: run.plotsURL, withIntermediateDirectories: true)
        return run.plotsURL
    }
}
