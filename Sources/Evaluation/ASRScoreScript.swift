import Foundation
import Processes

/// The asr-score plugin (plugins/asr-score/asr_score.py, pocketsphinx) run on a manifest: the one
/// place its command line and its JSON output are handled.
enum ASRScoreScript {
    /// The JSON object the scorer prints for `manifest` (`--refs MANIFEST --json`); `what` names the
    /// work in error messages.
    static func run(_ scorer: URL, manifest: URL, timeout: Double, what: String) throws -> [String: Any] {
        let result: Subprocess.Result
        do {
            result = try Subprocess.runChecked(scorer.path, arguments: ["--refs", manifest.path, "--json"], timeout: timeout,
                                               install: "pip install pocketsphinx")
        } catch {
            throw EvaluationError("pocketsphinx could not \(what): \(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] else {
            throw EvaluationError("\(scorer.lastPathComponent) printed no JSON object for \(manifest.path)")
        }
        return object
    }
}
