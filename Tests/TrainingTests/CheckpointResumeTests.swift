import XCTest
import Models
import Tensor
import Tokenizers
import Training

final class CheckpointResumeTests: XCTestCase {
    func makeTrainer() -> LanguageModelTrainer {
        var settings = LanguageModelTraining()
        settings.batch = 4
        settings.sequenceLength = 32
        settings.totalSteps = 20
        settings.warmupSteps = 3
        settings.accumulation = 2
        settings.seed = 11
        let model = LlamaModel(.tiny(vocabSize: 256), seed: 5)
        return LanguageModelTrainer(model: model, data: TokenStream(tokens: ByteTokenizer().encode(TinyText.paragraphs)), settings: settings)
    }

    /// N steps, save, load into a new trainer, M steps == N + M steps in one go, bit for bit.
    func testResumeIsExact() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("echox-resume-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("state.safetensors")

        let straight = makeTrainer()
        for _ in 0..<10 { straight.trainStep() }

        let first = makeTrainer()
        for _ in 0..<6 { first.trainStep() }
        try first.saveCheckpoint(to: url)
        let resumed = makeTrainer()
        try resumed.loadCheckpoint(from: url)
        XCTAssertEqual(resumed.step, 6)
        for _ in 0..<4 { resumed.trainStep() }

        XCTAssertEqual(resumed.step, straight.step)
        for ((name, a), (_, b)) in zip(straight.model.namedParameters, resumed.model.namedParameters) {
            XCTAssertEqual(a.scalars, b.scalars, "parameter \(name) differs after resume")
        }
        XCTAssertEqual(resumed.rng, straight.rng)
    }

    func testDamagedCheckpointIsAClearErrorAndChangesNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("echox-damaged-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("state.safetensors")
        let trainer = makeTrainer()
        trainer.trainStep()
        try trainer.saveCheckpoint(to: url)
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        let fresh = makeTrainer()
        let before = fresh.model.namedParameters.map { $0.1.scalars }
        XCTAssertThrowsError(try fresh.loadCheckpoint(from: url)) { error in
            XCTAssertFalse("\(error)".isEmpty)
        }
        XCTAssertEqual(fresh.model.namedParameters.map { $0.1.scalars }, before)
        XCTAssertEqual(fresh.step, 0)
    }
}
