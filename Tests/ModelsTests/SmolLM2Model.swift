import Foundation
import Formats
@testable import Models
import Tokenizers

/// The real SmolLM2 model and golden values, loaded once per test run.
enum SmolLM2Model {
    static let goldenURL = Bundle.module.url(forResource: "smollm2_greedy", withExtension: "jsonl", subdirectory: "Resources")!

    struct Failure: Error, CustomStringConvertible { let description: String }

    static let loaded: Result<(GGUFFile, LlamaInference, BPETokenizer), Error> = Result {
        let url = try ModelStore.resolve("smollm2")
        let file = try GGUFFile(url: url)
        return (file, try LlamaInference(file: file, capacity: 1024), try BPETokenizer(metadata: file.metadata))
    }

    /// The inference engine (reset), or an error saying how to fetch the model.
    static func engine() throws -> LlamaInference {
        let engine = try loaded.get().1
        engine.reset()
        return engine
    }

    static func tokenizer() throws -> BPETokenizer { try loaded.get().2 }

    /// The golden lines of one kind ("tokenize" or "greedy").
    static func golden(_ kind: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: goldenURL, encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return obj?["kind"] as? String == kind ? obj : nil
        }
    }
}
