import Foundation
import Formats

/// The settings of an EchoX stage (S2T, T2C, Echo): a readable JSON file with named presets. A run keeps
/// its recipe as `<stage>.json` beside the framework's files, and a resumed run is rebuilt from it.
public protocol StageRecipe: Codable, Equatable, Sendable {
    /// The stage's short name (`s2t`, `t2c`, `echo`): the recipe file's name and the job's kind.
    static var stage: String { get }
    /// The presets, the real one last (a recipe file that names none starts from it).
    static var presetNames: [String] { get }
    static func preset(_ name: String) throws -> Self
    /// The preset a recipe started from, for reports.
    var preset: String { get }
    /// The schedule's length, the one setting a kept run may change.
    var steps: Int { get set }
    /// The rest of the schedule: peak rate, warm-up, weight decay and the data seed.
    var learningRate: Float { get }
    var warmupSteps: Int { get }
    var weightDecay: Float { get }
    var seed: UInt64 { get }
    /// Throws `TrainingError` unless the settings make a run.
    func validate() throws
}

extension StageRecipe {
    public static var fileName: String { "\(stage).json" }

    /// The stage's schedule: fixed length, warm-up then cosine.
    public var optimization: OptimizationConfig {
        .fixedLength(learningRate: learningRate, warmupSteps: warmupSteps, steps: steps, weightDecay: weightDecay, seed: seed)
    }

    /// Reads a recipe file; keys it lacks keep the preset it names (or the real preset).
    public static func read(_ url: URL) throws -> Self {
        let title = stage.uppercased()
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError("cannot read the \(title) config \(url.path): check the path")
        }
        do {
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            let base = try preset(object["preset"] as? String ?? presetNames.last!)
            var merged = try JSONSerialization.jsonObject(with: try encoded(base)) as? [String: Any] ?? [:]
            for (key, value) in object { merged[key] = value }
            let recipe = try JSONDecoder().decode(Self.self, from: try JSONSerialization.data(withJSONObject: merged))
            try recipe.validate()
            return recipe
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError("the \(title) config \(url.lastPathComponent) is not valid: \(error) — start from a run's \(fileName)")
        }
    }

    /// The recipe as a readable JSON file (sorted keys, one a line).
    public static func encoded(_ recipe: Self) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(recipe)
    }
}

/// A stage's run directory: its recipe (`<stage>.json`) beside `job.json`, `metrics.jsonl` and
/// `checkpoint.safetensors`.
public enum StageRun {
    /// The run directory for `--run DIR`: a plain name lives under `runsRoot`, anything with a `/` is a path.
    public static func directory(_ nameOrPath: String, runsRoot: URL) throws -> RunDirectory {
        let url = location(nameOrPath, runsRoot: runsRoot)
        return try RunDirectory(name: url.lastPathComponent, root: url.deletingLastPathComponent())
    }

    /// Where `--run DIR` points (nothing is made).
    public static func location(_ nameOrPath: String, runsRoot: URL) -> URL {
        EchoXHome.location(nameOrPath, under: runsRoot)
    }

    /// The recipe a run trains with. A run that has one keeps it (a different `given` one is refused,
    /// so a run is never continued under other settings); a new run takes `given` and keeps a copy.
    /// `steps` sets the schedule's length, the one setting a kept run may change.
    public static func recipe<R: StageRecipe>(of run: RunDirectory, given: R?, steps: Int? = nil) throws -> R {
        let file = run.url.appendingPathComponent(R.fileName)
        let title = R.stage.uppercased()
        var recipe: R
        if FileManager.default.fileExists(atPath: file.path) {
            recipe = try R.read(file)
            if var given {
                given.steps = recipe.steps
                guard given == recipe else {
                    throw TrainingError("the run \(run.url.path) was made with another \(title) config (its \(R.fileName)); continue it without --preset/--config, or train into a new --run")
                }
            }
        } else {
            guard let given else {
                throw TrainingError("\(run.url.path) is not a \(title) run (no \(R.fileName)): give --preset \(R.presetNames.joined(separator: "|")) or --config FILE to start one")
            }
            recipe = given
        }
        if let steps { recipe.steps = steps }
        try recipe.validate()
        try AtomicFile.write(try R.encoded(recipe), to: file)
        return recipe
    }

    /// Whether `url` holds a run of the recipe's stage.
    public static func isRun<R: StageRecipe>(_ url: URL, of recipe: R.Type) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(R.fileName).path)
    }
}

/// A recipe whose data is spoken questions from question sources (`webquestions-train` or files):
/// `data <questions>` in the shell points a stage at other questions.
public protocol QuestionSourcedRecipe: StageRecipe {
    /// Takes `sources` (cut to `limit`) as the stage's questions.
    mutating func useQuestions(_ sources: [String], limit: Int?)
}
