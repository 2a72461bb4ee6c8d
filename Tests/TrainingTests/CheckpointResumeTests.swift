import XCTest
import Formats
import Models
import NN
import Tensor
import Tokenizers
import Training

final class CheckpointResumeTests: XCTestCase {
    func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("echox-resume-\(UUID())").appendingPathComponent("state.safetensors")
    }

    /// N steps, save, load into a new job, M steps == N + M steps in one go, bit for bit, with
    /// dropout and gradient accumulation on (their generators are part of the state).
    func testResumeIsExactWithDropout() throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let straight = try tinyLanguageModelJob(seed: 11, steps: 20, dropout: 0.2, accumulation: 2, batch: 4, sequence: 32)
        var straightLosses: [Double] = []
        for _ in 0..<10 { straightLosses.append(try straight.step().losses["loss"]!) }

        let first = try tinyLanguageModelJob(seed: 11, steps: 20, dropout: 0.2, accumulation: 2, batch: 4, sequence: 32)
        var losses: [Double] = []
        for _ in 0..<6 { losses.append(try first.step().losses["loss"]!) }
        try first.saveState(to: url)
        let resumed = try tinyLanguageModelJob(seed: 11, steps: 20, dropout: 0.2, accumulation: 2, batch: 4, sequence: 32)
        try resumed.loadState(from: url)
        XCTAssertEqual(resumed.completedSteps, 6)
        for _ in 0..<4 { losses.append(try resumed.step().losses["loss"]!) }

        XCTAssertEqual(losses, straightLosses)
        for ((name, a), (_, b)) in zip(straight.task.model.namedParameters, resumed.task.model.namedParameters) {
            XCTAssertEqual(a.scalars, b.scalars, "parameter \(name) differs after resume")
        }
        XCTAssertEqual(resumed.rng, straight.rng)
    }

    /// Without the dropout generators in the checkpoint the resumed run would differ: the test above can fail.
    func testDropoutGeneratorsChangeTheRun() throws {
        let a = try tinyLanguageModelJob(seed: 3, steps: 5, dropout: 0.2, batch: 2, sequence: 16)
        let b = try tinyLanguageModelJob(seed: 3, steps: 5, dropout: 0.2, batch: 2, sequence: 16)
        for (_, module) in b.task.model.randomGenerators { module.rng = SeededRandom(seed: 12345) }
        XCTAssertNotEqual(try a.step().losses["loss"], try b.step().losses["loss"])
        XCTAssertEqual(a.task.model.randomGenerators.count, 4)   // two per block of the tiny model
    }

    /// A LoRA job keeps only its adapters and their moments: the frozen base is rebuilt from its source.
    func testCheckpointHoldsOnlyTheTrainableState() throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let model = LlamaModel(.tiny(vocabSize: 256), seed: 2)
        model.addLoRA(rank: 4, alpha: 8, on: [.q, .v], seed: 2)
        let task = try LanguageModelTask(model: model, data: TokenStream(tokens: ByteTokenizer().encode(TinyText.paragraphs)),
                                         batch: 2, sequenceLength: 16)
        let job = GradientTrainer(task: task, config: .languageModel())
        _ = try job.step()
        try job.saveState(to: url)
        let file = try Safetensors.read(url)
        let trainable = model.trainableParameters.map(\.0)
        XCTAssertEqual(trainable.count, 2 * 2 * 2)   // A and B, on q and v, in two blocks
        XCTAssertEqual(Set(file.names.filter { $0.hasPrefix("param.") }), Set(trainable.map { "param.\($0)" }))
        XCTAssertEqual(file.names.count, trainable.count * 4)   // each with two Adam moments and its update count
        XCTAssertFalse(file.names.contains { $0.contains("embedding") || $0.hasSuffix("wq.weight") })
    }

    func testDamagedOrForeignCheckpointIsAClearErrorAndChangesNothing() throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let trainer = try tinyLanguageModelJob(seed: 11, steps: 20, batch: 2, sequence: 16)
        _ = try trainer.step()
        try trainer.saveState(to: url)
        let data = try Data(contentsOf: url)

        let fresh = try tinyLanguageModelJob(seed: 11, steps: 20, batch: 2, sequence: 16)
        let before = fresh.task.model.namedParameters.map { $0.1.scalars }
        try data.prefix(data.count / 2).write(to: url)
        XCTAssertThrowsError(try fresh.loadState(from: url)) { error in
            XCTAssertTrue("\(error)".contains("damaged"), "\(error)")
        }
        // A checkpoint of a differently shaped model names what does not fit.
        let other = GradientTrainer(task: try LanguageModelTask(model: LlamaModel(LlamaConfig(vocabSize: 256, dim: 32, layers: 1, heads: 2, kvHeads: 2, ffnDim: 64, contextLength: 64)),
                                                                data: TokenStream(tokens: ByteTokenizer().encode(TinyText.paragraphs)), batch: 2, sequenceLength: 16),
                                    config: .languageModel())
        try other.saveState(to: url)
        XCTAssertThrowsError(try fresh.loadState(from: url)) { error in
            XCTAssertTrue("\(error)".contains("other trainable parameters") || "\(error)".contains("differently sized"), "\(error)")
        }
        XCTAssertEqual(fresh.task.model.namedParameters.map { $0.1.scalars }, before)
        XCTAssertEqual(fresh.completedSteps, 0)
        // Not a training state at all.
        try Safetensors.write([("x", Tensor([1], shape: [1]))], to: url)
        XCTAssertThrowsError(try fresh.loadState(from: url)) { XCTAssertTrue("\($0)".contains("not an EchoX training state"), "\($0)") }
    }
}
