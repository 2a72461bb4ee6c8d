import Foundation

/// pocketsphinx (en-us) through the asr-score plugin: an executable taking `--refs MANIFEST --json`
/// (plugins/asr-score/asr_score.py), run once for a list of files.
public final class PocketsphinxRecogniser: SpeechRecogniser {
    public let name = "pocketsphinx"
    /// The plugin's executable.
    public let scorer: URL
    public var timeout: Double = 3600

    public init(scorer: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: scorer.path) else {
            throw EvaluationError("the pocketsphinx scorer \(scorer.path) is missing or not executable — run from the folder that holds plugins/asr-score, or use --recogniser whisper")
        }
        self.scorer = scorer
    }

    public func transcribe(_ files: [URL]) throws -> [String] {
        guard !files.isEmpty else { return [] }
        let manifest = FileManager.default.temporaryDirectory.appendingPathComponent("echox-asr-\(getpid())-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: manifest) }
        let lines = try files.enumerated().map { index, url -> String in
            let line = try JSONSerialization.data(withJSONObject: ["id": String(index), "audio": url.path], options: [.sortedKeys])
            return String(decoding: line, as: UTF8.self)
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: manifest)
        let object = try ASRScoreScript.run(scorer, manifest: manifest, timeout: timeout, what: "transcribe \(files.count) file(s)")
        guard let results = object["results"] as? [[String: Any]], results.count == files.count else {
            throw EvaluationError("\(scorer.lastPathComponent) printed no {\"results\": […]} with one entry per file")
        }
        return try results.enumerated().map { index, entry in
            if let error = entry["error"] as? String { throw EvaluationError("pocketsphinx could not read \(files[index].path): \(error)") }
            return entry["transcript"] as? String ?? ""
        }
    }
}
