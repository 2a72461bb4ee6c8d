import Audio
import Foundation
import Units

/// Unit-language words of corpus utterances under one units model, kept as JSONL beside the corpus (a line
/// per utterance, appended as each is encoded, so a stopped build goes on where it stopped).
public struct UnitWordsCache {
    struct Line: Codable { var id: String; var words: [Int32] }
    public let file: URL
    public let model: UnitsModel

    public init(file: URL, model: UnitsModel) throws {
        self.file = file
        self.model = model
    }

    /// The words of every entry by id, encoding those not in the file yet.
    public func words(_ entries: [CorpusEntry], manifest: URL, progress: (String) -> Void = { _ in }) throws -> [String: [Int32]] {
        var known: [String: [Int32]] = [:]
        if let data = FileManager.default.contents(atPath: file.path) {
            for line in data.split(separator: UInt8(ascii: "\n")) {
                // A torn last line (a kill mid-write) is dropped and encoded again.
                if let item = try? JSONDecoder().decode(Line.self, from: Data(line)) { known[item.id] = item.words }
            }
        }
        let missing = entries.filter { known[$0.id] == nil }
        guard !missing.isEmpty else { return known }
        var kept = Data()
        let encoder = JSONEncoder()
        for (id, words) in known.sorted(by: { $0.key < $1.key }) { kept += try encoder.encode(Line(id: id, words: words)) + Data("\n".utf8) }
        try kept.write(to: file, options: .atomic)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try handle.seekToEnd()
        let start = Date()
        for (i, entry) in missing.enumerated() {
            let words = try model.encode(try AudioFile.read(CorpusManifest.audioURL(entry, manifest: manifest))).words
            try handle.write(contentsOf: try encoder.encode(Line(id: entry.id, words: words)) + Data("\n".utf8))
            known[entry.id] = words
            if (i + 1) % 200 == 0 || i + 1 == missing.count {
                progress(String(format: "unit words: %d/%d answers encoded (%.0f s)", i + 1, missing.count, Date().timeIntervalSince(start)))
            }
        }
        return known
    }
}
