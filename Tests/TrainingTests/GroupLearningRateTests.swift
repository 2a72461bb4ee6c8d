import XCTest
import Models
import NN
import Tensor
import Tokenizers
import Training

/// The tiny language model with two parameter groups: its embedding and the rest.
private final class GroupedLanguageModelTask: GradientTask {
    let inner: GradientTask
    init(_ inner: GradientTask) { self.inner = inner }
    var name: String { "grouped" }
    var model: Module { inner.model }
    func loss(rng: inout SeededRandom) throws -> TaskLoss { try inner.loss(rng: &rng) }
    func gradientGroup(_ parameter: String) -> String? { parameter.contains("embed") ? "embedding" : "blocks" }
}

final class GroupLearningRateTests: XCTestCase {
    private func job(seed: UInt64 = 5) throws -> GradientTrainer {
        let plain = try tinyLanguageModelJob(seed: seed, steps: 20, batch: 2, sequence: 16)
        return GradientTrainer(task: GroupedLanguageModelTask(plain.task), config: plain.config)
    }

    private func values(_ job: GradientTrainer, group: String) -> [[Float]] {
        job.optimizer.parameters.filter { job.task.gradientGroup($0.0) == group }.map { $0.1.scalars }
    }

    /// `lr.<group>` 0 freezes that group alone; the other group still learns; an unknown group is refused.
    func testAGroupsRateIsItsOwn() throws {
        let trainer = try job()
        XCTAssertEqual(trainer.gradientGroups, ["blocks", "embedding"])
        try trainer.apply(settings: ["lr.embedding": 0])
        let embedding = values(trainer, group: "embedding"), blocks = values(trainer, group: "blocks")
        XCTAssertFalse(embedding.isEmpty)
        for _ in 0..<3 { _ = try trainer.step() }
        XCTAssertEqual(values(trainer, group: "embedding"), embedding, "a group at rate 0 must not move")
        XCTAssertNotEqual(values(trainer, group: "blocks"), blocks)
        XCTAssertThrowsError(try trainer.setPeakLearningRate(1e-3, group: "speech")) { error in
            XCTAssertTrue("\(error)".contains("its groups are blocks, embedding"), "\(error)")
        }
        XCTAssertTrue(trainer.describe().contains { $0.1.contains("embedding peak lr 0.0") })
    }

    /// Half a group's rate, kept in the checkpoint: the resumed run is the uninterrupted one, bit for bit.
    func testAGroupsRateResumesExactly() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("echox-group-lr-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let straight = try job()
        try straight.setPeakLearningRate(straight.config.learningRate / 2, group: "blocks")
        let first = try job()
        try first.setPeakLearningRate(first.config.learningRate / 2, group: "blocks")
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<6 { a.append(try straight.step().losses["loss"]!) }
        for _ in 0..<3 { b.append(try first.step().losses["loss"]!) }
        try first.saveState(to: url)
        let resumed = try job()
        try resumed.loadState(from: url)
        XCTAssertEqual(resumed.groupPeakRates, first.groupPeakRates)
        for _ in 0..<3 { b.append(try resumed.step().losses["loss"]!) }
        XCTAssertEqual(a, b)

        // Without the group's rate the run differs, so the comparison above can fail.
        let other = try job()
        var c: [Double] = []
        for _ in 0..<6 { c.append(try other.step().losses["loss"]!) }
        XCTAssertNotEqual(a, c)
    }
}
