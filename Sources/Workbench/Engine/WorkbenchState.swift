import Foundation
import Formats
import Training

/// Something loaded into the session (a language model, a vocoder, …), kept under a slot name.
public struct LoadedModel {
    public var kind: String
    public var source: String
    /// The model object itself, for commands that use it.
    public var object: AnyObject?

    public init(kind: String, source: String, object: AnyObject? = nil) {
        self.kind = kind
        self.source = source
        self.object = object
    }
}

/// All state of one shell session: settings, loaded models, the training job, the current run.
public final class WorkbenchState {
    public var settings: Settings
    /// Loaded models by slot name (`lm`, `vocoder`, …).
    public var models: [String: LoadedModel] = [:]
    /// The training job that `step` and `train` drive; a job with parameter groups adds a
    /// `lr.<group>` setting for each.
    public var job: TrainingJob? {
        didSet {
            guard let trainer = job as? GradientTrainer else { return }
            for group in trainer.gradientGroups where settings.specs["lr.\(group)"] == nil {
                settings.declare(SettingSpec("lr.\(group)", .double(0...10), default: .double(Double(trainer.config.learningRate)),
                                             help: "peak learning rate of the loaded job's \(group) parameters (the others follow lr)"))
            }
        }
    }
    /// The run directory metrics and plots go to.
    public var run: RunDirectory?
    /// The sample (audio file or text) commands act on by default.
    public var currentSample: String?
    /// Named outputs of the last commands (`text`, `wav`, `plot`, …), handed to plugins.
    public var lastOutputs: [String: String] = [:]
    /// Where runs live (default $ECHOX_HOME/runs).
    public var runsRoot: URL
    /// $ECHOX_HOME for this session.
    public var home: URL
    /// The directory whose ./sessions and ./plugins the session uses (default: the current directory).
    public var workingDirectory: URL
    /// The open metrics log of the current run.
    var openMetrics: MetricsLog?

    public init(home: URL = EchoXHome.root, settings: Settings = Settings(),
                workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)) {
        self.home = home
        self.workingDirectory = workingDirectory
        self.runsRoot = home.appendingPathComponent("runs", isDirectory: true)
        self.settings = settings
    }

    /// The metrics log of `run`, kept open across commands.
    public func metricsLog(for run: RunDirectory) -> MetricsLog {
        if let open = openMetrics, open.url == run.metricsURL { return open }
        openMetrics?.close()
        let log = MetricsLog(url: run.metricsURL)
        openMetrics = log
        return log
    }

    /// Closes the open metrics log (before a resumed run rewrites its file).
    public func closeMetrics() {
        openMetrics?.close()
        openMetrics = nil
    }

    /// Names of existing run directories, sorted.
    public func runNames() -> [String] {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: runsRoot.path)) ?? []
        return items.filter { name in
            var isDir: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: runsRoot.appendingPathComponent(name).path, isDirectory: &isDir) && isDir.boolValue
        }.sorted()
    }

    /// The current run, creating one named after the job and the time when none is selected.
    public func ensureRun(prefix: String) throws -> RunDirectory {
        if let run { return run }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let base = "\(prefix)-\(formatter.string(from: Date()))"
        let existing = Set(runNames())
        var name = base
        var suffix = 2
        while existing.contains(name) { name = "\(base)-\(suffix)"; suffix += 1 }
        let made = try RunDirectory(name: name, root: runsRoot)
        run = made
        return made
    }
}
