import Foundation
import XCTest

/// `echox bench infer` on small GGUF models: every vocabulary size works, bad files are errors.
final class BenchCommandLineTests: XCTestCase {
    func testInferenceBenchmarkRunsOnSmallVocabularies() throws {
        let root = try temporaryDirectory(self)
        // 64 and 256 tokens are no more than the byte tokens that the prompt usually skips; 600 has an ordinary part.
        for vocab in [64, 256, 600] {
            let model = root.appendingPathComponent("tiny-\(vocab).gguf")
            try TinyModelFile.write(to: model, vocab: vocab)
            let result = try EchoxRunner.run(["bench", "infer", "--model", model.path, "--prompt", "16", "--tokens", "4", "--runs", "1"],
                                             home: root.appendingPathComponent("home"))
            XCTAssertEqual(result.status, 0, "vocabulary \(vocab): \(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            XCTAssertTrue(lines.contains { $0.hasPrefix("prefill tokens/s: ") }, "vocabulary \(vocab): \(result.stdout)")
            XCTAssertTrue(lines.contains { $0.hasPrefix("decode tokens/s: ") }, "vocabulary \(vocab): \(result.stdout)")
        }
    }

    func testPromptsBeyondTheModelOrBeyondCountingAreErrors() throws {
        let root = try temporaryDirectory(self)
        let model = root.appendingPathComponent("tiny.gguf")
        try TinyModelFile.write(to: model, vocab: 64)
        let long = try EchoxRunner.run(["bench", "infer", "--model", model.path, "--prompt", "300", "--runs", "1"], home: root)
        XCTAssertEqual(long.status, 1, long.stderr)
        XCTAssertTrue(long.stderr.contains("exceed the model's context length 256"), long.stderr)
        let huge = try EchoxRunner.run(["bench", "infer", "--model", model.path, "--prompt", "\(Int.max)", "--tokens", "2"], home: root)
        XCTAssertEqual(huge.status, 64, huge.stderr)
        XCTAssertTrue(huge.stderr.contains("add up to more positions than can be counted"), huge.stderr)
    }

    func testInferenceBenchmarkOnANonModelFileIsAnError() throws {
        let root = try temporaryDirectory(self)
        let notAModel = root.appendingPathComponent("notes.gguf")
        try Data("just some text, not a model".utf8).write(to: notAModel)
        let result = try EchoxRunner.run(["bench", "infer", "--model", notAModel.path, "--runs", "1"], home: root)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("not a GGUF file"), result.stderr)
    }
}
