import Foundation
import Tensor

/// The question texts the S2T stage speaks and learns to answer.
///
/// WebQuestions-train (3,778 questions, shipped) is the core. Its answers name about nine thousand
/// people, places and works; "entity questions" put those names into short questions ("who is Jaxon
/// Bieber?"), so the speech side hears many more proper names, which is what spoken QA hinges on,
/// in question form. Their targets are, as for every question, the text LLM's own answers, so no gold
/// answer is ever a target. The test split is never read here.
public enum S2TQuestions {
    /// Name of the shipped WebQuestions-train file in recipes.
    public static let webQuestionsTrain = "webquestions-train"

    /// Questions of `source`: `webquestions-train` or a JSONL file of `{"id", "question"|"text", "answers"?}`.
    public static func read(_ source: String) throws -> [(text: CorpusText, answers: [String])] {
        let url: URL
        if source == webQuestionsTrain {
            guard let shipped = Bundle.module.url(forResource: "web_questions_train", withExtension: "jsonl", subdirectory: "Resources/questions") else {
                throw TrainingError("the shipped WebQuestions-train file is missing from this build; reinstall, or name a question file")
            }
            url = shipped
        } else {
            url = URL(fileURLWithPath: (source as NSString).expandingTildeInPath)
        }
        let texts = try CorpusText.read(url)
        // The answers, when the file has them (CorpusText reads only ids and texts).
        let data = FileManager.default.contents(atPath: url.path) ?? Data()
        var answers: [String: [String]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = object["id"] as? String, let list = object["answers"] as? [String] else { continue }
            answers[id] = list
        }
        return texts.map { ($0, answers[$0.id] ?? []) }
    }

    /// The questions of `sources` (cut to `limit`), then `entityQuestions` questions about their answers' names.
    public static func texts(sources: [String], limit: Int?, entityQuestions count: Int, seed: UInt64) throws -> [CorpusText] {
        var items = try sources.flatMap { try read($0) }
        if let limit { items = Array(items.prefix(limit)) }
        guard !items.isEmpty else { throw TrainingError("the question sources \(sources.joined(separator: ", ")) hold no question") }
        return items.map(\.text) + entityQuestions(from: items, count: count, seed: seed)
    }

    /// Up to `count` questions about the distinct answer names of `items`, in a stable random order.
    public static func entityQuestions(from items: [(text: CorpusText, answers: [String])], count: Int, seed: UInt64) -> [CorpusText] {
        guard count > 0 else { return [] }
        var seen = Set<String>(), names: [String] = []
        for item in items {
            for name in item.answers {
                let cleaned = name.trimmingCharacters(in: .whitespacesAndNewlines)
                guard cleaned.count >= 3, cleaned.count <= 40, cleaned.rangeOfCharacter(from: .letters) != nil,
                      seen.insert(cleaned.lowercased()).inserted else { continue }
                names.append(cleaned)
            }
        }
        var rng = SeededRandom(seed: seed ^ 0x5eed)
        for i in stride(from: names.count - 1, to: 0, by: -1) { names.swapAt(i, rng.int(below: i + 1)) }
        let templates = ["who is %@?", "what is %@?", "where is %@?", "tell me about %@.", "what do you know about %@?",
                         "when was %@?", "what is %@ known for?"]
        return names.prefix(count).enumerated().map { i, name in
            CorpusText(id: "entity-\(i)", text: templates[rng.int(below: templates.count)].replacingOccurrences(of: "%@", with: name))
        }
    }
}
