import Foundation
import Formats

/// An S2T run directory: the recipe it was made from (`s2t.json`), beside the framework's
/// `job.json`, `metrics.jsonl` and `checkpoint.safetensors`.
public enum S2TRun {
    public static let recipeFileName = "s2t.json"

    /// The run directory for `--run DIR`: a plain name lives under `runsRoot`, anything with a `/` is a path.
    public static func directory(_ nameOrPath: String, runsRoot: URL) throws -> RunDirectory {
        let url = location(nameOrPath, runsRoot: runsRoot)
        return try RunDirectory(name: url.lastPathComponent, root: url.deletingLastPathComponent())
    }

    /// Where `--run DIR` points (nothing is made).
    public static func location(_ nameOrPath: String, runsRoot: URL) -> URL {
        guard nameOrPath.contains("/") else { return runsRoot.appendingPathComponent(nameOrPath, isDirectory: true) }
        return URL(fileURLWithPath: (nameOrPath as NSString).expandingTildeInPath).standardizedFileURL
    }

    /// The recipe a run trains with. A run that has one keeps it (a different `given` one is refused,
    /// so a run is never continued under other settings); a new run takes `given` and keeps a copy.
    /// `steps` sets the schedule's length, the one setting a kept run may change.
    public static func recipe(of run: RunDirectory, given: S2TRecipe?, steps: Int? = nil) throws -> S2TRecipe {
        let file = run.url.appendingPathComponent(recipeFileName)
        var recipe: S2TRecipe
        if FileManager.default.fileExists(atPath: file.path) {
            recipe = try S2TRecipe.read(file)
            if var given {
                given.steps = recipe.steps
                guard given == recipe else {
                    throw TrainingError("the run \(run.url.path) was made with another S2T config (its \(recipeFileName)); continue it without --preset/--config, or train into a new --run")
                }
            }
        } else {
            guard let given else {
                throw TrainingError("\(run.url.path) is not an S2T run (no \(recipeFileName)): give --preset tiny|smollm2 or --config FILE to start one")
            }
            recipe = given
        }
        if let steps { recipe.steps = steps }
        try recipe.validate()
        try AtomicFile.write(try S2TRecipe.encoded(recipe), to: file)
        return recipe
    }

    /// Whether `url` holds an S2T run.
    public static func isRun(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(recipeFileName).path)
    }
}
