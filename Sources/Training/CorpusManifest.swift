import Foundation
import Formats

// MARK: - Entries

/// One utterance of a speech corpus: a line of its JSONL manifest.
public struct CorpusEntry: Codable, Equatable, Sendable {
    /// Unique within the corpus: the text id and the voice (`WebQTrn-0.flite-slt`).
    public var id: String
    /// Audio path, relative to the manifest's folder.
    public var audio: String
    public var text: String
    /// Voice description (`flite:slt`, `espeak:en-us+f3`).
    public var voice: String
    /// Seconds.
    public var duration: Double

    public init(id: String, audio: String, text: String, voice: String, duration: Double) {
        (self.id, self.audio, self.text, self.voice, self.duration) = (id, audio, text, voice, duration)
    }
}

/// A line of corpus text input: `{"id", "text"}` (a `question` field is accepted as the text).
public struct CorpusText: Equatable, Sendable {
    public var id: String
    public var text: String
    public init(id: String, text: String) { self.id = id; self.text = text }

    /// Reads a text file: JSONL of `{"id", "text"|"question"}` (a `.jsonl` file, or one whose first line is
    /// an object; lines without an id get `line-N`), or plain text, one sentence a line (ids `<stem>-N`).
    /// Blank lines are skipped.
    public static func read(_ url: URL) throws -> [CorpusText] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CorpusError("cannot read the text file \(url.path): check the path")
        }
        guard let content = String(data: data, encoding: .utf8) else {
            throw CorpusError("\(url.path) is not UTF-8 text: give a text file with one sentence a line, or JSONL {\"id\", \"text\"}")
        }
        let lines = content.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let isJSONLines = url.pathExtension == "jsonl" || lines.first { !$0.isEmpty }?.hasPrefix("{") == true
        var out: [CorpusText] = []
        for (number, line) in lines.enumerated() where !line.isEmpty {
            guard isJSONLines else {
                out.append(CorpusText(id: "\(url.deletingPathExtension().lastPathComponent)-\(number + 1)", text: line))
                continue
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw CorpusError("\(url.lastPathComponent) line \(number + 1) is not a JSON object: write one {\"id\", \"text\"} object per line")
            }
            guard let text = (object["text"] as? String) ?? (object["question"] as? String),
                  !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CorpusError("\(url.lastPathComponent) line \(number + 1) has no \"text\" (or \"question\") string")
            }
            let id = (object["id"] as? String) ?? (object["id"] as? Int).map(String.init) ?? "line-\(number + 1)"
            out.append(CorpusText(id: id, text: text))
        }
        guard !out.isEmpty else { throw CorpusError("\(url.path) has no sentences: write one sentence a line") }
        return out
    }
}

/// A corpus problem; the message says what to do.
public struct CorpusError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

// MARK: - Manifest files

/// The JSONL manifest of a corpus folder (`manifest.jsonl`).
public enum CorpusManifest {
    public static let fileName = "manifest.jsonl"

    /// Reads the entries of `url` (a manifest file, or a folder holding `manifest.jsonl`).
    public static func read(_ url: URL) throws -> [CorpusEntry] {
        let file = manifestURL(url)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw CorpusError("no corpus manifest at \(file.path): build one with `echox corpus synth --text FILE.jsonl --out DIR`")
        }
        let decoder = JSONDecoder()
        var out: [CorpusEntry] = []
        for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 32 }) {
            do { out.append(try decoder.decode(CorpusEntry.self, from: Data(line))) } catch {
                throw CorpusError("\(file.path) line \(number + 1) is not a corpus entry (id, audio, text, voice, duration): \(error)")
            }
        }
        return out
    }

    /// Writes all entries atomically, one JSON object per line.
    public static func write(_ entries: [CorpusEntry], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for entry in entries {
            data.append(try encoder.encode(entry))
            data.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(data, to: manifestURL(url))
    }

    /// The absolute audio URL of an entry of the manifest at `url`.
    public static func audioURL(_ entry: CorpusEntry, manifest url: URL) -> URL {
        if entry.audio.hasPrefix("/") { return URL(fileURLWithPath: entry.audio) }
        return manifestURL(url).deletingLastPathComponent().appendingPathComponent(entry.audio)
    }

    static func manifestURL(_ url: URL) -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return url.appendingPathComponent(fileName)
        }
        return url.pathExtension == "jsonl" ? url : url.appendingPathComponent(fileName)
    }
}
