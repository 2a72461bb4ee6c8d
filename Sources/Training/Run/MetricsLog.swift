import Formats
import Foundation

/// One line of metrics.jsonl: a step number and named values.
public struct MetricsRecord: Equatable, Sendable {
    public var step: Int
    public var values: [String: Double]

    public init(step: Int, values: [String: Double]) {
        self.step = step
        self.values = values
    }
}

/// Appends to and reads `metrics.jsonl` in a run directory (one JSON object per line).
public final class MetricsLog {
    public let url: URL
    private var handle: FileHandle?

    public init(url: URL) { self.url = url }

    deinit { try? handle?.close() }

    /// Appends one record; keys are sorted so files diff cleanly.
    public func append(_ record: MetricsRecord) throws {
        if handle == nil {
            if !FileManager.default.fileExists(atPath: url.path) {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            }
            handle = try FileHandle(forWritingTo: url)
            try handle?.seekToEnd()
        }
        var fields = ["\"step\":\(record.step)"]
        for key in record.values.keys.sorted() {
            let value = record.values[key]!
            fields.append("\(jsonString(key)):\(value.isFinite ? "\(value)" : "null")")
        }
        try handle?.write(contentsOf: Data(("{" + fields.joined(separator: ",") + "}\n").utf8))
    }

    /// Flushes and closes the file (appends reopen it).
    public func close() {
        try? handle?.close()
        handle = nil
    }

    /// Reads every record; a malformed line is an error naming its line number.
    public static func read(_ url: URL) throws -> [MetricsRecord] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError("no metrics at \(url.path) — train the job first (step, train for N)")
        }
        var records: [MetricsRecord] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let record = record(line) else {
                throw TrainingError("\(url.path):\(index + 1): not a metrics record (need a JSON object with \"step\")")
            }
            records.append(record)
        }
        return records
    }

    /// The record of one line, or nil when it is not one.
    static func record(_ line: Substring) -> MetricsRecord? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let step = (object["step"] as? NSNumber)?.intValue else { return nil }
        var values: [String: Double] = [:]
        for (key, value) in object where key != "step" {
            if let number = value as? NSNumber { values[key] = number.doubleValue }
        }
        return MetricsRecord(step: step, values: values)
    }

    /// Keeps the records up to `step` (a resumed run starts again from its checkpoint's step, so the
    /// lines written after it are dropped; a line cut short by a kill goes too). Atomic.
    public static func truncate(_ url: URL, toStep step: Int) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else { return }
        var kept = ""
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let record = record(line), record.step <= step else { continue }
            kept += line + "\n"
        }
        try AtomicFile.write(Data(kept.utf8), to: url)
    }
}

/// A JSON string literal.
public func jsonString(_ text: String) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])) ?? Data("[\"\"]".utf8)
    let array = String(decoding: data, as: UTF8.self)
    return String(array.dropFirst().dropLast())
}
