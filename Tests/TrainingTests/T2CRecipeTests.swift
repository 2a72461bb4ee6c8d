import Foundation
import Models
import Tensor
import Training
import XCTest

final class T2CRecipeTests: XCTestCase {
    func testPresetsAreValidAndSpeakTheS2TAnswers() throws {
        for name in T2CRecipe.presetNames { try T2CRecipe.preset(name).validate() }
        let tiny = try T2CRecipe.preset("tiny"), s2t = try S2TRecipe.preset("tiny")
        XCTAssertEqual(tiny.questionLimit, s2t.questionLimit, "the tiny T2C speaks the tiny S2T stage's answers")
        XCTAssertEqual(tiny.answerTokens, s2t.answerTokens)
        XCTAssertEqual(try T2CRecipe.preset("smollm2").entityQuestions, try S2TRecipe.preset("smollm2").entityQuestions)
        XCTAssertThrowsError(try T2CRecipe.preset("huge")) { XCTAssertTrue("\($0)".contains("tiny or smollm2")) }
    }

    func testConfigFileKeepsPresetForMissingKeysAndRejectsBadValues() throws {
        let file = try scratchFolder().appendingPathComponent("t2c.json")
        try #"{"preset": "tiny", "steps": 9, "units": "units-x"}"#.write(to: file, atomically: true, encoding: .utf8)
        let recipe = try T2CRecipe.read(file)
        XCTAssertEqual(recipe.steps, 9)
        XCTAssertEqual(recipe.units, "units-x")
        XCTAssertEqual(recipe.dim, try T2CRecipe.preset("tiny").dim)
        try T2CRecipe.encoded(recipe).write(to: file)
        XCTAssertEqual(try T2CRecipe.read(file), recipe)
        for (text, expected) in [(#"{"heads": 3}"#, "heads of even size"), (#"{"batch": 0}"#, "batch"), ("[1, 2", "not valid")] {
            try text.write(to: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try T2CRecipe.read(file), text) { XCTAssertTrue("\($0)".contains(expected), "\(text): \($0)") }
        }
        let run = try StageRun.directory("t2c-demo", runsRoot: try scratchFolder())
        XCTAssertThrowsError(try StageRun.recipe(of: run, given: T2CRecipe?.none)) { XCTAssertTrue("\($0)".contains("not a T2C run")) }
    }

    /// The task embeds each text with the LLM's rows, drops examples it cannot use, and trains.
    func testTaskTrainsOnTokenEmbeddings() throws {
        var rng = SeededRandom(seed: 1)
        let table = Tensor.randn([30, 16], rng: &rng)
        let embedded = T2CTask.embed([[3, 4], [5]], table: table)
        XCTAssertEqual(embedded.shape, [2, 2, 16])
        XCTAssertEqual(Array(UnsafeBufferPointer(start: embedded.data + 16, count: 16)), Array(UnsafeBufferPointer(start: table.data + 4 * 16, count: 16)))
        XCTAssertTrue(Array(UnsafeBufferPointer(start: embedded.data + 48, count: 16)).allSatisfy { $0 == 0 }, "padding is zeros")
        let examples = [T2CExample(tokens: [1, 2, 3], words: [0, 5, 5, 2]), T2CExample(tokens: [7], words: [3, 1]),
                        T2CExample(tokens: [99], words: [1]), T2CExample(tokens: [], words: [1])]
        let task = try T2CTask(t2c: try T2CModel(.tiny(llmDim: 16, units: 6)), tokenEmbeddings: table, examples: examples, batch: 2)
        XCTAssertEqual(task.examples, Array(examples.prefix(2)), "out-of-vocabulary and empty texts are dropped")
        var config = OptimizationConfig()
        config.learningRate = 1e-2; config.warmupSteps = 1; config.totalSteps = 40
        let trainer = GradientTrainer(task: task, config: config)
        let losses = try (0..<40).map { _ in try trainer.step().losses["ce"]! }
        XCTAssertLessThan(losses.suffix(5).reduce(0, +), losses.prefix(5).reduce(0, +) * 0.3, "\(losses)")
        XCTAssertNotNil(trainer.lastSample?.fields.first { $0.name == "target words" })
    }
}
