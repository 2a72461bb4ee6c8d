import Foundation
import XCTest

/// The T2C stage through the real executable: the text LLM's answers spoken by a units model's target
/// voice become unit-language words, T2C learns them, a kill is resumed exactly, and the shell steps it.
final class T2CStageTests: XCTestCase {
    func metrics(_ url: URL, _ key: String = "ce") throws -> [Double] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            return try XCTUnwrap(object[key] as? Double, "\(key) in \($0)")
        }
    }

    func testTinyT2CLearnsTheAnswersSpeechAndResumesExactly() throws {
        let root = try temporaryDirectory(self)
        let home = root.appendingPathComponent("home")
        // A tiny units model of the target voice.
        try ["The sky is blue today.", "Who wrote the first book?", "Paris is the capital of France.",
             "Justin Bieber has a younger brother.", "The answer is a small town in Canada."].joined(separator: "\n")
            .write(to: root.appendingPathComponent("sentences.txt"), atomically: true, encoding: .utf8)
        let synth = try EchoxRunner.run(["corpus", "synth", "sentences.txt", "--voices", "slt"], home: home, directory: root)
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let units = try EchoxRunner.run(["units", "train", "sentences", "--preset", "tiny", "--out", home.appendingPathComponent("models/units-tiny").path],
                                        home: home, directory: root)
        XCTAssertEqual(units.status, 0, units.stderr)

        let missing = root.appendingPathComponent("missing.json")
        try #"{"preset": "tiny", "units": "units-nowhere"}"#.write(to: missing, atomically: true, encoding: .utf8)
        let refused = try EchoxRunner.run(["train", "t2c", "--config", missing.path, "--run", "refused"], home: home, directory: root)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("units train"), "names the command that makes the units model: \(refused.stderr)")

        let config = root.appendingPathComponent("t2c.json")
        try #"{"preset": "tiny", "units": "units-tiny", "steps": 60}"#.write(to: config, atomically: true, encoding: .utf8)
        let straight = try EchoxRunner.run(["train", "t2c", "--config", config.path, "--run", "straight"], home: home, directory: root)
        XCTAssertEqual(straight.status, 0, straight.stderr + straight.stdout)
        XCTAssertTrue(straight.stdout.contains("unit words + start/end"), straight.stdout)
        let ce = try metrics(home.appendingPathComponent("runs/straight/metrics.jsonl"))
        XCTAssertEqual(ce.count, 60)
        let first = ce.prefix(8).reduce(0, +) / 8, last = ce.suffix(8).reduce(0, +) / 8
        XCTAssertLessThan(last, first * 0.7, "T2C's CE falls: first steps \(first), last steps \(last)")
        let kept = try String(contentsOf: home.appendingPathComponent("runs/straight/t2c.json"), encoding: .utf8)
        XCTAssertTrue(kept.contains("\"units\" : \"units-tiny\""), kept)

        // SIGKILL mid-training, then the same command: the run ends exactly as the uninterrupted one.
        let killedMetrics = home.appendingPathComponent("runs/killed/metrics.jsonl")
        try runAndKill([], input: "set train.checkpoint_every 10\ntrain t2c config=\(config.path) run=killed\n",
                       home: home, directory: root, file: killedMetrics, lines: 25)
        XCTAssertLessThan(try metrics(killedMetrics).count, 60, "killed mid-run")
        let resumed = try EchoxRunner.run(["train", "t2c", "--run", "killed"], home: home, directory: root)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming run killed at step 20 of 60"), resumed.stdout)
        XCTAssertEqual(try String(contentsOf: killedMetrics, encoding: .utf8),
                       try String(contentsOf: home.appendingPathComponent("runs/straight/metrics.jsonl"), encoding: .utf8))
        XCTAssertEqual(try Data(contentsOf: home.appendingPathComponent("runs/killed/checkpoint.safetensors")),
                       try Data(contentsOf: home.appendingPathComponent("runs/straight/checkpoint.safetensors")))

        // In the shell: load, step, the sample of the last step; a run of another stage is refused.
        let shell = try EchoxRunner.run([], input: "load t2c config=\(config.path) run=stepped\nstep 2\nshow sample\nload t2c nowhere\n",
                                        home: home, directory: root)
        XCTAssertTrue(shell.stdout.contains("loaded t2c run stepped at step 0"), shell.stdout + shell.stderr)
        for field in ["text", "target words", "predicted", "right"] { XCTAssertTrue(shell.stdout.contains(field), "\(field): \(shell.stdout)") }
        XCTAssertTrue((shell.stdout + shell.stderr).contains("no T2C run at"), shell.stdout + shell.stderr)

        // Other questions for a run that has not stepped (`data`), a group's own rate (`set lr.<group>`);
        // a run that has stepped keeps its data.
        try "Where is Paris?\nWho is Justin Bieber?\nWhat colour is the sky?\n".write(to: root.appendingPathComponent("questions.txt"), atomically: true, encoding: .utf8)
        let data = try EchoxRunner.run([], input: "load t2c config=\(config.path) run=requestioned\nset lr.decoder 0\ndata questions.txt limit=2\nstep 1\nshow params\ndata questions.txt\nset lr.nothing 1\ndata nowhere.txt\n",
                                       home: home, directory: root)
        let screen = data.stdout + data.stderr
        XCTAssertTrue(screen.contains("lr.decoder = 0"), screen)
        XCTAssertTrue(screen.contains("t2c questions: 2 from \(root.appendingPathComponent("questions.txt").standardizedFileURL.path)"), screen)
        XCTAssertTrue(screen.contains("t2c data: data 2 texts"), screen)
        XCTAssertTrue(screen.contains("decoder peak lr 0.0"), screen)
        XCTAssertTrue(screen.contains("has trained 1 steps on its questions"), screen)
        XCTAssertTrue(screen.contains("not a parameter group of the loaded job"), screen)
        XCTAssertTrue(screen.contains("no question file at"), screen)
        let recipe = try String(contentsOf: home.appendingPathComponent("runs/requestioned/t2c.json"), encoding: .utf8)
        XCTAssertTrue(recipe.contains("questions.txt") && recipe.contains("\"question_limit\" : 2"), recipe)
    }
}
