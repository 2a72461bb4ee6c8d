import Foundation
import XCTest

/// A training process killed with SIGKILL, then resumed, ends exactly where an uninterrupted one does:
/// the same metrics.jsonl lines and the same final parameters, with dropout on.
final class KillResumeTests: XCTestCase {
    func metrics(_ url: URL) throws -> [Substring] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    }

    func testKilledLanguageModelTrainingResumesExactly() throws {
        let root = try temporaryDirectory(self)
        let home = root.appendingPathComponent("home")
        let text = String(repeating: "An echo is the speech a model makes from its own words, spoken back. ", count: 60)
        try text.write(to: root.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
        func script(_ run: String) -> String {
            ["set seed 2", "set dropout 0.1", "set train.checkpoint_every 20", "load lm tiny", "data text.txt",
             "run new \(run)", "train for 300"].joined(separator: "\n") + "\n"
        }
        let straight = try EchoxRunner.run([], input: script("straight"), home: home, directory: root)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        XCTAssertTrue(straight.stdout.contains("ran 300 steps, now at step 300"), straight.stdout)

        let killedMetrics = home.appendingPathComponent("runs/killed/metrics.jsonl")
        try runAndKill([], input: script("killed"), home: home, directory: root, file: killedMetrics, lines: 110)
        let partial = try metrics(killedMetrics).count
        XCTAssertLessThan(partial, 300, "killed mid-run")
        let resumed = try EchoxRunner.run(["train", "--resume", "killed", "until", "step>=300"], home: home, directory: root)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let at = try XCTUnwrap(resumed.stdout.split(separator: "\n").first { $0.hasPrefix("resumed run killed at step ") })
        let step = Int(at.dropFirst("resumed run killed at step ".count).prefix { $0.isNumber }) ?? -1
        XCTAssertTrue(step > 0 && step <= partial && step % 20 == 0, "resumed from the last checkpoint: \(at)")

        XCTAssertEqual(try metrics(killedMetrics), try metrics(home.appendingPathComponent("runs/straight/metrics.jsonl")))
        let a = try Data(contentsOf: home.appendingPathComponent("runs/straight/checkpoint.safetensors"))
        let b = try Data(contentsOf: home.appendingPathComponent("runs/killed/checkpoint.safetensors"))
        XCTAssertEqual(a, b, "the final trainable state (parameters, moments, generators) differs")
    }

    func testKilledUnitsTrainingResumesExactly() throws {
        let root = try temporaryDirectory(self)
        let home = root.appendingPathComponent("home")
        try "The sky is blue today.\nWho wrote the first book?\nParis is the capital of France.\n"
            .write(to: root.appendingPathComponent("tiny.txt"), atomically: true, encoding: .utf8)
        let synth = try EchoxRunner.run(["corpus", "synth", "tiny.txt", "--voices", "slt,espeak:en-us+m3"], home: home, directory: root)
        XCTAssertEqual(synth.status, 0, synth.stderr)
        func train(_ out: String) -> [String] {
            ["units", "train", "tiny", "--preset", "tiny", "--out", root.appendingPathComponent(out).path, "--encoder-steps", "160",
             "--encoder-dropout", "0.1"]
        }
        let straight = try EchoxRunner.run(train("straight"), home: home, directory: root)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        XCTAssertTrue(straight.stdout.contains("units model trained"), straight.stdout)

        let killedMetrics = home.appendingPathComponent("runs/units-killed/metrics.jsonl")
        try runAndKill(train("killed"), input: "", home: home, directory: root, file: killedMetrics, lines: 70)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("killed/config.json").path), "killed mid-run")
        let again = try EchoxRunner.run(train("killed"), home: home, directory: root)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("resuming the units training"), again.stdout)

        XCTAssertEqual(try metrics(killedMetrics), try metrics(home.appendingPathComponent("runs/units-straight/metrics.jsonl")))
        for name in ["encoder.safetensors", "kmeans.bin", "unit-language.json", "vocoder.safetensors", "durations.safetensors", "config.json"] {
            let a = try Data(contentsOf: root.appendingPathComponent("straight/\(name)"))
            let b = try Data(contentsOf: root.appendingPathComponent("killed/\(name)"))
            XCTAssertEqual(a, b, "\(name) differs from the uninterrupted run")
        }
    }
}

extension XCTestCase {
    /// Starts echox with `arguments` and `input`, and kills it with SIGKILL once `file` has `lines` lines.
    func runAndKill(_ arguments: [String], input: String, home: URL, directory: URL, file: URL, lines: Int) throws {
        let process = Process()
        process.executableURL = try EchoxRunner.binary()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["ECHOX_HOME"] = home.path
        process.environment = environment
        process.currentDirectoryURL = directory
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline {
            let count = (try? String(contentsOf: file, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if count >= lines { kill(process.processIdentifier, SIGKILL); break }
            usleep(2_000)
        }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the process was killed before it finished")
        XCTAssertEqual(process.terminationStatus, SIGKILL)
    }
}
