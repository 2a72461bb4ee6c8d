import XCTest
@testable import Models

/// SmolLM2-135M-Instruct (Q4_1) against greedy continuations and logits recorded from the reference.
final class SmolLM2GoldenGenerationTests: XCTestCase {
    func testConfigAndTensorTableMatchTheFile() throws {
        let file = try SmolLM2Model.loaded.get().0
        let config = try LlamaConfig(gguf: file)
        XCTAssertEqual(config, LlamaConfig(vocabSize: 49152, dim: 576, layers: 30, heads: 9, kvHeads: 3, ffnDim: 1536,
                                           ropeBase: 100_000, ropeLayout: .interleaved, normEps: 1e-5,
                                           tiedEmbeddings: true, contextLength: 8192))
        // The name table covers every tensor of the file, and nothing else.
        XCTAssertEqual(Set(LlamaTensorTable.entries(config).map(\.gguf)), Set(file.tensors.map(\.name)))
    }

    func testFirstTopFiveLogitsMatchGolden() throws {
        let engine = try SmolLM2Model.engine()
        var worst: Float = 0
        for line in try SmolLM2Model.golden("greedy") {
            let prompt = try XCTUnwrap(line["prompt_ids"] as? [Int])
            let top5 = try XCTUnwrap(line["first_top5"] as? [[Double]])
            engine.reset()
            let logits = Array(try engine.prefill(prompt))
            let order = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5)
            XCTAssertEqual(Array(order), top5.map { Int($0[0]) }, "top-5 ids after \(line["question"]!)")
            for pair in top5 {
                let diff = abs(logits[Int(pair[0])] - Float(pair[1]))
                worst = max(worst, diff)
                XCTAssertLessThan(diff, 0.05, "logit of \(Int(pair[0])) after \(line["question"]!)")
            }
        }
        print("golden first top-5: max logit difference \(worst)")
    }

    func testGreedyIDsMatchGoldenForEveryQuestion() throws {
        let engine = try SmolLM2Model.engine()
        let tokenizer = try SmolLM2Model.tokenizer()
        var exact = 0
        let lines = try SmolLM2Model.golden("greedy")
        for line in lines {
            let prompt = try XCTUnwrap(line["prompt_ids"] as? [Int])
            let expected = try XCTUnwrap(line["greedy_ids"] as? [Int])
            engine.reset()
            var logits = Array(try engine.prefill(prompt))
            var got: [Int] = []
            while got.count < expected.count {
                let next = logits.indices.max { logits[$0] < logits[$1] }!
                if tokenizer.stopTokenIDs.contains(next) { break }
                got.append(next)
                logits = Array(try engine.step(next))
            }
            XCTAssertEqual(got, expected, "greedy continuation of \(line["question"]!)")
            if got == expected { exact += 1 }
        }
        print("golden greedy: \(exact)/\(lines.count) exact")
    }
}
