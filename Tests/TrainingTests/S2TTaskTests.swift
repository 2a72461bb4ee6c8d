import Models
import Optim
import Tensor
import Tokenizers
import Training
import XCTest

/// The S2T stage on tiny models: speech states stand in for the question's text, the LLM learns
/// (through LoRA) to answer from them, and both loss terms fall.
final class S2TTaskTests: XCTestCase {
    static let pairs = [("what is blue?", "the sky."), ("who wrote it?", "a poet."),
                        ("where is paris?", "in france."), ("how old is she?", "ten years.")]

    /// "Encoder states" for a text: three noisy frames per byte, from a fixed vector per byte value.
    static func states(_ text: String, dim: Int, rng: inout SeededRandom) -> [Float] {
        var codebook = SeededRandom(seed: 99)
        let vectors = (0..<256).map { _ in (0..<dim).map { _ in codebook.normal() } }
        return text.utf8.flatMap { byte in (0..<3).flatMap { _ in vectors[Int(byte)].map { $0 + 0.1 * rng.normal() } } }
    }

    func makeJob(ctcWarmup: Int = 0) throws -> GradientTrainer {
        let bytes = ByteTokenizer()
        let llm = LlamaModel(.tiny(vocabSize: 256), seed: 1)
        llm.addLoRA(rank: 4, alpha: 8, on: [.q, .v], seed: 1)
        // An untied CTC head: this tiny LLM's embeddings are random (the tied head is tested with SmolLM2's).
        var speechConfig = S2TConfig(encoderDim: 16, llmDim: 64, vocabSize: 256, heads: 4, lookBackHeads: 4)
        speechConfig.tiedCTCHead = false
        let speech = try S2TModel(speechConfig, seed: 2)
        var rng = SeededRandom(seed: 3)
        let examples = Self.pairs.map { question, answer in
            S2TExample(states: Self.states(question, dim: 16, rng: &rng), frames: question.utf8.count * 3,
                       transcript: bytes.encode(question), prefix: bytes.encode("user: "), suffix: bytes.encode("\nbot: "),
                       answer: bytes.encode(answer + "\n"))
        }
        let task = try S2TTask(speech: speech, llm: llm, examples: examples, batch: 4, ctcWarmup: ctcWarmup,
                               decode: { String(decoding: $0.map { UInt8(clamping: $0) }, as: UTF8.self) })
        var config = OptimizationConfig()
        config.learningRate = 3e-3
        config.warmupSteps = 10
        config.totalSteps = 150
        return GradientTrainer(task: task, config: config)
    }

    func testBothLossesFallAndOnlyTheAdapterAndLoRATrain() throws {
        let job = try makeJob()
        let stack = (job.task as! S2TTask).stack
        let trainable = Set(stack.trainableParameters.map(\.0))
        XCTAssertTrue(trainable.allSatisfy { $0.hasPrefix("speech.") || $0.contains("lora") }, "\(trainable.filter { !$0.hasPrefix("speech.") })")
        XCTAssertTrue(trainable.contains { $0.hasPrefix("llm.") }, "the LLM trains through LoRA")
        var first: StepReport?, last: StepReport?
        for _ in 0..<150 {
            last = try job.step()
            if first == nil { first = last }
        }
        let (ce0, ce1) = (first!.losses["ce"]!, last!.losses["ce"]!), (ctc0, ctc1) = (first!.losses["ctc"]!, last!.losses["ctc"]!)
        XCTAssertLessThan(ce1, ce0 * 0.5, "answer CE \(ce0) → \(ce1)")
        XCTAssertLessThan(ctc1, ctc0 * 0.5, "transcript CTC \(ctc0) → \(ctc1)")
        XCTAssertEqual(last!.losses["loss"]!, ce1 + 0.3 * ctc1, accuracy: 1e-3)
        let sample = try XCTUnwrap(job.lastSample)
        XCTAssertEqual(sample.fields.map(\.name), ["transcript", "target", "predicted", "speech frames"])
        XCTAssertTrue(Self.pairs.contains { $0.1 + "\n" == sample.fields[1].value })
    }

    /// The answer's CE alone (no CTC) reaches every part of the speech side: the LLM reads the speech.
    func testAnswerLossReachesTheSpeechAdapter() throws {
        let job = try makeJob()
        let task = job.task as! S2TTask
        let probe = try S2TTask(speech: task.stack.speech, llm: task.stack.llm, examples: task.examples, batch: 4, ctcWeight: 0)
        var rng = SeededRandom(seed: 5)
        probe.model.trainableParameters.forEach { $0.1.grad = nil }
        try probe.loss(rng: &rng).total.backward()
        for (name, p) in task.stack.speech.trainableParameters where !name.hasPrefix("ctc") {
            let g = try XCTUnwrap(p.grad, "\(name) got no gradient from the answer")
            XCTAssertGreaterThan((0..<g.count).map { abs(g.data[$0]) }.max()!, 0, "\(name)'s gradient from the answer is zero")
        }
    }

    func testMismatchedModelsAreAClearError() throws {
        let llm = LlamaModel(.tiny(vocabSize: 256), seed: 1)
        let speech = try S2TModel(.tiny(encoderDim: 16, llmDim: 32, vocabSize: 256), seed: 2)
        XCTAssertThrowsError(try S2TTask(speech: speech, llm: llm, examples: [], batch: 1)) {
            XCTAssertTrue("\($0)".contains("does not fit the LLM"), "\($0)")
        }
    }

    /// A CTC warm-up trains the speech side alone (no CE, the LoRA untouched), then the full loss takes
    /// over; a run checkpointed inside the warm-up resumes into the same run, phase change included.
    func testCTCWarmUpTrainsTheSpeechSideAloneAndResumesExactly() throws {
        let warm = try makeJob(ctcWarmup: 12)
        let lora = (warm.task as! S2TTask).stack.llm.trainableParameters
        let before = lora.map { $0.1.scalars }
        var reports: [StepReport] = []
        for _ in 0..<12 { reports.append(try warm.step()) }
        XCTAssertTrue(reports.allSatisfy { $0.losses["ce"] == nil && $0.losses["ctc"] != nil }, "\(reports.map(\.losses))")
        XCTAssertEqual(lora.map { $0.1.scalars }, before, "the LoRA does not move while CTC warms up")
        XCTAssertLessThan(reports.last!.losses["ctc"]!, reports.first!.losses["ctc"]!)
        XCTAssertEqual(try XCTUnwrap(warm.lastSample).fields.first?.name, "phase")
        let after = try warm.step()
        XCTAssertNotNil(after.losses["ce"])
        XCTAssertNotEqual(lora.map { $0.1.scalars }, before, "the LoRA learns after the warm-up")

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("echox-s2t-warmup-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let straight = try makeJob(ctcWarmup: 6), first = try makeJob(ctcWarmup: 6)
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<10 { a.append(try straight.step().losses["loss"]!) }
        for _ in 0..<4 { b.append(try first.step().losses["loss"]!) }
        try first.saveState(to: url)
        let resumed = try makeJob(ctcWarmup: 6)
        try resumed.loadState(from: url)
        for _ in 0..<6 { b.append(try resumed.step().losses["loss"]!) }
        XCTAssertEqual(a, b)
        // Without the warm-up the run differs, so the comparison can fail.
        let plain = try makeJob()
        XCTAssertNotEqual(a, try (0..<10).map { _ in try plain.step().losses["loss"]! })
    }
}
