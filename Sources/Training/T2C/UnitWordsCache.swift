import Audio
import Formats
import Foundation
import Units

/// Unit-language words of corpus utterances under one units model, kept as JSONL beside the corpus (a line
/// per utterance, appended as each is encoded, so a stopped build goes on where it stopped).
public struct UnitWordsCache {
    struct Line: Codable { var id: String; var words: [Int32] }
    public let file: URL
    public let model: UnitsModel

    public init(file: URL, model: UnitsModel) {
        self.file = file
        self.model = model
    }

    /// The words of every entry by id, encoding those not in the file yet.
    public func words(_ entries: [CorpusEntry], manifest: URL, progress: (String) -> Void = { _ in }) throws -> [String: [Int32]] {
        let lines = JSONLinesFile<Line>(file)
        var known = Dictionary(lines.read().map { ($0.id, $0.words) }, uniquingKeysWith: { _, last in last })
        let missing = entries.filter { known[$0.id] == nil }
        guard !missing.isEmpty else { return known }
        // Rewrite what was read (dropping a torn line), then append.
        let log = try lines.rewrite(known.sorted { $0.key < $1.key }.map { Line(id: $0.key, words: $0.value) })
        let start = Date()
        for (i, entry) in missing.enumerated() {
            let words = try model.encode(try AudioFile.read(CorpusManifest.audioURL(entry, manifest: manifest))).words
            try log.append(Line(id: entry.id, words: words))
            known[entry.id] = words
            if (i + 1) % 200 == 0 || i + 1 == missing.count {
                progress(String(format: "unit words: %d/%d answers encoded (%.0f s)", i + 1, missing.count, Date().timeIntervalSince(start)))
            }
        }
        return known
    }
}
