import Foundation

/// Why an evaluation cannot go on; each message says what to do.
public struct EvaluationError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

/// One question of a spoken-QA set.
public struct QAItem: Equatable, Sendable {
    public var id: String
    public var question: String
    /// Gold answers; a response is right when it contains one of them (`ExistMatch`).
    public var answers: [String]
    /// A recording of the question, used as it is; without one the question is synthesised.
    public var audio: URL?

    public init(id: String, question: String, answers: [String], audio: URL? = nil) {
        self.id = id; self.question = question; self.answers = answers; self.audio = audio
    }
}

/// A JSONL file of questions: one `{"id", "question", "answers": [...]}` object a line, with an
/// optional `"audio": PATH` (relative paths are taken from the file's folder).
public enum QASet {
    /// The first `limit` items of the file (all when nil); every line is checked before any is used.
    public static func read(_ url: URL, limit: Int? = nil) throws -> [QAItem] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw EvaluationError("no question set at \(url.path) — give a JSONL file of {\"id\", \"question\", \"answers\"} lines")
        }
        let folder = url.deletingLastPathComponent()
        var items: [QAItem] = [], seen = Set<String>()
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let limit, items.count >= limit { break }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let place = "\(url.lastPathComponent):\(index + 1)"
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw EvaluationError("\(place): not a JSON object; each line is {\"id\": …, \"question\": …, \"answers\": […]}")
            }
            let id: String
            switch object["id"] {
            case let text as String where !text.isEmpty: id = text
            case let number as NSNumber: id = number.stringValue
            default: throw EvaluationError("\(place): needs an \"id\" (a string or a number)")
            }
            guard seen.insert(id).inserted else { throw EvaluationError("\(place): the id \(id) appears twice; ids must be unique") }
            guard let question = object["question"] as? String, !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw EvaluationError("\(place): needs a \"question\" with some text")
            }
            guard let list = object["answers"] as? [Any], list.allSatisfy({ $0 is String }) else {
                throw EvaluationError("\(place): \"answers\" must be a list of strings")
            }
            let answers = (list as! [String]).filter { !ExistMatch.tokens($0).isEmpty }
            guard !answers.isEmpty else { throw EvaluationError("\(place): no gold answer with any word in it; give at least one") }
            var audio: URL?
            if let value = object["audio"] {
                guard let path = value as? String, !path.isEmpty else { throw EvaluationError("\(place): \"audio\" must be a file path") }
                let resolved = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
                guard FileManager.default.fileExists(atPath: resolved.path) else {
                    throw EvaluationError("\(place): the recording \(resolved.path) does not exist; fix the path or drop \"audio\" to synthesise the question")
                }
                audio = resolved
            }
            items.append(QAItem(id: id, question: question, answers: answers, audio: audio))
        }
        guard !items.isEmpty else { throw EvaluationError("\(url.path) holds no questions") }
        return items
    }
}
