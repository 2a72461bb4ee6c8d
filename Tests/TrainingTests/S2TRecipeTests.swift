import Foundation
import Training
import XCTest

final class S2TRecipeTests: XCTestCase {
    func testPresetsAreValidAndDiffer() throws {
        for name in S2TRecipe.presetNames { try S2TRecipe.preset(name).validate() }
        let tiny = try S2TRecipe.preset("tiny"), full = try S2TRecipe.preset("smollm2")
        XCTAssertLessThan(tiny.steps, full.steps)
        XCTAssertFalse(full.voices.contains("festival:ked_diphone"), "the evaluation's voice is never a training voice")
        XCTAssertGreaterThan(full.entityQuestions, 0)
        XCTAssertThrowsError(try S2TRecipe.preset("huge")) { XCTAssertTrue("\($0)".contains("tiny or smollm2")) }
    }

    func testConfigFileKeepsPresetForMissingKeysAndRejectsBadValues() throws {
        let folder = try scratchFolder()
        let file = folder.appendingPathComponent("s2t.json")
        try #"{"preset": "tiny", "steps": 7, "ctc_weight": 0.5}"#.write(to: file, atomically: true, encoding: .utf8)
        let recipe = try S2TRecipe.read(file)
        XCTAssertEqual(recipe.steps, 7)
        XCTAssertEqual(recipe.ctcWeight, 0.5)
        XCTAssertEqual(recipe.batch, try S2TRecipe.preset("tiny").batch)
        // What a run writes reads back the same.
        try S2TRecipe.encoded(recipe).write(to: file)
        XCTAssertEqual(try S2TRecipe.read(file), recipe)

        for (text, expected) in [(#"{"batch": 0}"#, "batch"), (#"{"voices": ["flite:nobody", 3]}"#, "not valid"),
                                 (#"{"lora_targets": ["wq"]}"#, "lora_targets"), ("not json", "not valid"),
                                 (#"{"voices_per_question": 99}"#, "voices_per_question")] {
            try text.write(to: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try S2TRecipe.read(file), text) { XCTAssertTrue("\($0)".contains(expected), "\(text): \($0)") }
        }
    }

    func testRunKeepsItsRecipeAndRefusesAnother() throws {
        let root = try scratchFolder()
        let run = try StageRun.directory("demo", runsRoot: root)
        XCTAssertThrowsError(try StageRun.recipe(of: run, given: S2TRecipe?.none)) { XCTAssertTrue("\($0)".contains("--preset")) }
        let tiny = try S2TRecipe.preset("tiny")
        XCTAssertEqual(try StageRun.recipe(of: run, given: tiny), tiny)
        XCTAssertTrue(StageRun.isRun(run.url, of: S2TRecipe.self))
        XCTAssertEqual(try StageRun.recipe(of: run, given: S2TRecipe?.none), tiny)
        XCTAssertEqual(try StageRun.recipe(of: run, given: S2TRecipe?.none, steps: 90).steps, 90, "the schedule may be lengthened")
        XCTAssertThrowsError(try StageRun.recipe(of: run, given: try S2TRecipe.preset("smollm2"))) {
            XCTAssertTrue("\($0)".contains("another S2T config"))
        }
        XCTAssertEqual(StageRun.location("/tmp/x/run-a", runsRoot: root).path, "/tmp/x/run-a")
        XCTAssertEqual(StageRun.location("run-a", runsRoot: root), root.appendingPathComponent("run-a", isDirectory: true))
    }

    func testEntityQuestionsComeFromAnswerNamesOnce() throws {
        let items = try S2TQuestions.read(S2TQuestions.webQuestionsTrain)
        XCTAssertEqual(items.count, 3778)
        XCTAssertEqual(items[0].answers, ["Jazmyn Bieber", "Jaxon Bieber"])
        let questions = S2TQuestions.entityQuestions(from: items, count: 500, seed: 1)
        XCTAssertEqual(questions.count, 500)
        XCTAssertEqual(Set(questions.map(\.text)).count, 500)
        XCTAssertEqual(questions.map(\.text), S2TQuestions.entityQuestions(from: items, count: 500, seed: 1).map(\.text))
        let names = Set(items.flatMap(\.answers))
        for q in questions.prefix(50) {
            XCTAssertTrue(names.contains { q.text.contains($0) }, "\(q.text) names an answer")
        }
    }
}

extension XCTestCase {
    /// A fresh folder removed when the test ends.
    func scratchFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
