import Foundation
import Formats
@testable import Models
import Tensor
import Tokenizers
import XCTest

/// Sequences decoded together give bit for bit what each gives decoded alone.
final class LlamaBatchTests: XCTestCase {
    /// Four sequences of different lengths: stepped one by one on their own engines, then in batches
    /// (all four, and a changing subset), for every weight type with a kernel and both layouts.
    func testBatchStepsGiveTheLogitsOfSingleSteps() throws {
        let prompts = [[3, 17, 42], [5], [9, 8, 7, 6, 5, 4, 3, 2, 1, 60, 61], [33, 12]]
        let continuations = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], [13, 14, 15, 16, 17, 18], [19, 20, 21, 22, 23, 24]]
        let variants: [(GGMLType, Bool, String)] = [(.f32, false, "llama"), (.f16, true, "llama"), (.q8_0, false, "llama"),
                                                    (.q4_1, true, "llama"), (.q4_1, false, "llama"), (.q8_0, false, "qwen2")]
        for (type, tied, architecture) in variants {
            // Attention on one worker and split between workers; inputs taken together and in groups of 3.
            for (split, group) in [(Int.max, 8), (1, 8), (Int.max, 3)] {
                LlamaInference.splitAttentionFrom = split
                QuantizedMatrix.batchGroup = group
                defer { LlamaInference.splitAttentionFrom = 2048; QuantizedMatrix.batchGroup = 8 }
                let base = try LlamaInference(file: TinyLlamaGGUF.file(type: type, tied: tied, architecture: architecture), capacity: 32)
                // Alone: each sequence on the base engine.
                var alone: [[[Float]]] = []
                for (prompt, rest) in zip(prompts, continuations) {
                    base.reset()
                    var logits = [Array(try base.prefill(prompt))]
                    for t in rest { logits.append(Array(try base.step(t))) }
                    alone.append(logits)
                }
                // Together, on engines sharing the base engine's weights.
                let engines = try prompts.map { _ in try LlamaInference(sharingWeightsOf: base, capacity: 32) }
                var together: [[[Float]]] = []
                for (engine, prompt) in zip(engines, prompts) { together.append([Array(try engine.prefill(prompt))]) }
                for step in 0..<continuations[0].count {
                    // Every third step leaves sequence 1 out, so batches change size and make-up.
                    let members = step % 3 == 2 ? [0, 2, 3] : [0, 1, 2, 3]
                    let lagging = step % 3 == 2
                    try LlamaInference.step(members.map { engines[$0] }, tokens: members.map { continuations[$0][step] })
                    for i in members { together[i].append(Array(engines[i].lastLogits)) }
                    if lagging {
                        try engines[1].step(continuations[1][step])
                        together[1].append(Array(engines[1].lastLogits))
                    }
                }
                for i in prompts.indices {
                    XCTAssertEqual(together[i].count, alone[i].count)
                    for (position, (a, b)) in zip(alone[i], together[i]).enumerated() {
                        XCTAssertEqual(a, b, "\(type) tied=\(tied) \(architecture) split=\(split) group=\(group): sequence \(i), step \(position)")
                    }
                }
            }
        }
    }

    func testBatchStepRejectsMismatchedEngines() throws {
        let base = try LlamaInference(file: TinyLlamaGGUF.file(type: .q8_0), capacity: 8)
        let other = try LlamaInference(file: TinyLlamaGGUF.file(type: .q8_0), capacity: 8)
        let slot = try LlamaInference(sharingWeightsOf: base)
        XCTAssertTrue(slot.sharesWeights(with: base))
        XCTAssertFalse(other.sharesWeights(with: base))
        XCTAssertEqual(slot.capacity, 8)
        for (engines, tokens, fragment) in [([base, other], [1, 2], "same weights"), ([base, base], [1, 2], "twice"),
                                            ([base, slot], [1], "one token per engine"), ([base, slot], [1, 64], "vocabulary")] {
            XCTAssertThrowsError(try LlamaInference.step(engines, tokens: tokens)) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error)")
            }
        }
        for _ in 0..<8 { try slot.step(1) }
        XCTAssertThrowsError(try LlamaInference.step([base, slot], tokens: [1, 1])) { error in
            XCTAssertTrue("\(error)".contains("8"), "a full cache is reported: \(error)")
        }
    }

    /// SmolLM2 answering questions greedily: several slots with continuous batching give the tokens,
    /// texts and stop reasons of one-at-a-time generation, with and without a shared prefix prefilled once.
    func testBatchGeneratorMatchesOneAtATimeGenerationOnSmolLM2() throws {
        let url = try ModelStore.resolve("smollm2")
        let generator = try LlamaGenerator(url: url, capacity: 160)
        let template = try XCTUnwrap(generator.tokenizer.chatTemplate)
        let questions = ["what does jamaican people speak?", "who was the first president of the united states?",
                         "what is the capital of france?", "where is the eiffel tower?", "what language do they speak in brazil?",
                         "who wrote hamlet?", "what is 2 + 2?", "name a planet.", "what color is the sky?"]
        let prompts = questions.map { template.encode([.user($0)], with: generator.tokenizer) }
        let common = Array(zip(prompts[0], prompts[1]).prefix { $0 == $1 }.map(\.0))
        XCTAssertGreaterThan(common.count, 10, "the system prompt is shared")
        let options = GenerationOptions(maxTokens: 40, sampling: .greedy)
        for prefix in [[], common] {
            var alone: [GenerationResult] = []
            for prompt in prompts {
                generator.engine.reset()
                let shared = BatchGenerator.sharedLength(prompt, prefix: prefix)
                if shared > 0 { try generator.engine.prefill(Array(prompt[..<shared])) }
                alone.append(try generator.generate(appending: Array(prompt[shared...]), options: options))
            }
            for slots in [1, 4] {
                let batch = try BatchGenerator(generator: generator, slots: slots, capacity: 160)
                var together = [GenerationResult?](repeating: nil, count: prompts.count)
                var order: [Int] = []
                let complete = try batch.generate(count: prompts.count, prefix: prefix, prompt: { prompts[$0] }, options: options) { i, result in
                    XCTAssertNil(together[i], "prompt \(i) finished twice")
                    together[i] = result
                    order.append(i)
                }
                XCTAssertTrue(complete)
                for (i, result) in together.enumerated() {
                    let r = try XCTUnwrap(result, "prompt \(i) never finished")
                    XCTAssertEqual(r.tokens, alone[i].tokens, "slots=\(slots), prefix \(prefix.count), prompt \(i)")
                    XCTAssertEqual(r.text, alone[i].text)
                    XCTAssertEqual(r.stoppedBy, alone[i].stoppedBy)
                }
                if slots > 1 { XCTAssertNotEqual(order, order.sorted(), "short answers finish first: the batch really interleaves") }
            }
            XCTAssertTrue(alone.contains { $0.stoppedBy == .stopToken } && alone.contains { $0.stoppedBy == .maxTokens },
                          "the questions exercise both ways of ending")
        }
    }

    func testCopiedPositionsGiveTheLogitsOfPrefillingThem() throws {
        let base = try LlamaInference(file: TinyLlamaGGUF.file(type: .q4_1), capacity: 32)
        let holder = try LlamaInference(sharingWeightsOf: base), slot = try LlamaInference(sharingWeightsOf: base)
        try holder.prefill([4, 8, 15, 16, 23, 42])
        let direct = Array(try base.prefill([4, 8, 15, 16, 23, 42, 7, 9]))
        try slot.prefill([1, 2, 3])
        try slot.copyPositions(6, from: holder)
        XCTAssertEqual(slot.position, 6)
        // Prefill in two parts gives the one-part logits to rounding only; the copy gives the two-part ones exactly.
        let split = try LlamaInference(sharingWeightsOf: base)
        try split.prefill([4, 8, 15, 16, 23, 42])
        XCTAssertEqual(Array(try slot.prefill([7, 9])), Array(try split.prefill([7, 9])))
        XCTAssertEqual(zip(direct, Array(slot.lastLogits)).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-3)
        XCTAssertThrowsError(try slot.copyPositions(7, from: holder))
        XCTAssertThrowsError(try slot.copyPositions(1, from: try LlamaInference(file: TinyLlamaGGUF.file(type: .q4_1), capacity: 8)))
    }

    func testBatchGeneratorStopsWhenAsked() throws {
        let url = try ModelStore.resolve("smollm2")
        let generator = try LlamaGenerator(url: url, capacity: 96)
        let batch = try BatchGenerator(generator: generator, slots: 2, capacity: 96)
        let prompt = generator.tokenizer.encode("Once upon a time")
        var steps = 0, finished = 0
        let complete = try batch.generate(count: 5, prompt: { _ in prompt }, options: GenerationOptions(maxTokens: 30, sampling: .greedy),
                                          shouldStop: { steps += 1; return steps > 10 }) { _, _ in finished += 1 }
        XCTAssertFalse(complete)
        XCTAssertEqual(finished, 0, "no answer is complete after a few steps of 30-token answers")
        XCTAssertThrowsError(try BatchGenerator(generator: generator, slots: 0, capacity: 96))
    }
}
