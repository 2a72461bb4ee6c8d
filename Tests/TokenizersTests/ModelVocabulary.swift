import Foundation
import XCTest
import Formats
@testable import Tokenizers

/// Loads the SmolLM2 tokenizer once per test run, from the model file's metadata
/// (`GGUFFile(url:).metadata`) through `BPETokenizer(metadata:)`.
enum ModelVocabulary {
    static let modelURL = EchoXHome.models.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
    static let goldenURL = Bundle.module.url(forResource: "smollm2_greedy", withExtension: "jsonl", subdirectory: "Resources")!

    struct Failure: Error, CustomStringConvertible { let description: String }

    static let smolLM2: Result<BPETokenizer, Error> = Result {
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            throw Failure(description: "model file \(modelURL.path) is missing: run `echox model fetch smollm2`")
        }
        let clock = ContinuousClock()
        var metadata: [String: GGUFValue] = [:]
        let read = try clock.measure { metadata = try GGUFFile(url: modelURL).metadata }
        var tokenizer: BPETokenizer?
        let build = try clock.measure { tokenizer = try BPETokenizer(metadata: metadata) }
        print("SmolLM2 tokenizer: metadata read in \(read), built in \(build)")
        return tokenizer!
    }

    /// The model's tokenizer, or a test failure explaining what is missing.
    static func tokenizer() throws -> BPETokenizer {
        try smolLM2.get()
    }

    // MARK: - Golden file

    /// The golden lines of one kind ("tokenize" or "greedy").
    static func golden(_ kind: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: goldenURL, encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return obj?["kind"] as? String == kind ? obj : nil
        }
    }
}
