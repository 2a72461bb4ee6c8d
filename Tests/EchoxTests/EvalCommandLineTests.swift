import Foundation
import XCTest

/// `echox eval qa` with SmolLM2: a SIGKILL in the middle, then the same command, gives the report of
/// an uninterrupted run; `echox eval compare` puts both side by side.
final class EvalCommandLineTests: XCTestCase {
    static let questions: [(String, [String])] = [
        ("what is the capital of france?", ["Paris"]), ("who wrote romeo and juliet?", ["William Shakespeare", "Shakespeare"]),
        ("what language do they speak in brazil?", ["Portuguese"]), ("what is the largest planet in the solar system?", ["Jupiter"]),
        ("who painted the mona lisa?", ["Leonardo da Vinci"]), ("what is the boiling point of water in celsius?", ["100"]),
        ("what currency is used in japan?", ["Yen", "Japanese yen"]), ("where is the eiffel tower?", ["Paris"]),
        ("who was the first president of the united states?", ["George Washington"]), ("what is the chemical symbol for gold?", ["Au"]),
        ("how many continents are there?", ["seven", "7"]), ("what ocean is between europe and america?", ["Atlantic"]),
    ]

    func writeSet(in folder: URL) throws -> URL {
        let lines = try Self.questions.enumerated().map { i, q in
            String(decoding: try JSONSerialization.data(withJSONObject: ["id": "q\(i)", "question": q.0, "answers": q.1], options: [.sortedKeys]), as: UTF8.self)
        }
        let url = folder.appendingPathComponent("set.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func homeWithSmolLM2() throws -> URL {
        let home = try temporaryDirectory(self)
        let base = ProcessInfo.processInfo.environment["ECHOX_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".echox")
        let model = base.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
        guard FileManager.default.fileExists(atPath: model.path) else { throw XCTSkip("no SmolLM2 at \(model.path): run `echox model fetch smollm2`") }
        try FileManager.default.createDirectory(at: home.appendingPathComponent("models"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: home.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf"), withDestinationURL: model)
        return home
    }

    /// Lines of a results file with the timings taken out (they differ from run to run).
    func results(_ url: URL) throws -> [NSDictionary] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertNotNil(object.removeValue(forKey: "timings"))
            return object as NSDictionary
        }
    }

    /// summary.json without the figures of time.
    func summary(_ folder: URL) throws -> NSDictionary {
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as? [String: Any])
        let modes = try XCTUnwrap(object["modes"] as? [[String: Any]])
        XCTAssertFalse(modes.isEmpty)
        object["modes"] = modes.map { mode in mode.filter { !["seconds", "questions_per_second", "batch"].contains($0.key) } }
        return object as NSDictionary
    }

    func testKilledEvaluationResumesToTheReportOfAnUninterruptedOne() throws {
        let home = try homeWithSmolLM2()
        let root = try temporaryDirectory(self)
        _ = try writeSet(in: root)
        func command(_ out: String) -> [String] {
            ["eval", "qa", "--set", "set.jsonl", "--mode", "t2t", "--out", out, "--batch", "3", "--max-tokens", "24"]
        }
        let straight = try EchoxRunner.run(command("straight"), home: home, directory: root)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        XCTAssertTrue(straight.stdout.contains("t2t: accuracy"), straight.stdout)

        // Killed once four results are written.
        let items = root.appendingPathComponent("killed/t2t.jsonl")
        let process = Process()
        process.executableURL = try EchoxRunner.binary()
        process.arguments = command("killed")
        var environment = ProcessInfo.processInfo.environment
        environment["ECHOX_HOME"] = home.path
        process.environment = environment
        process.currentDirectoryURL = root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline {
            let count = (try? String(contentsOf: items, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if count >= 4 { kill(process.processIdentifier, SIGKILL); break }
            usleep(2_000)
        }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "killed before it finished")
        let partial = try String(contentsOf: items, encoding: .utf8).split(separator: "\n").count
        XCTAssertLessThan(partial, Self.questions.count)

        let resumed = try EchoxRunner.run(command("killed"), home: home, directory: root)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("answered before"), resumed.stdout)
        XCTAssertEqual(try results(items), try results(root.appendingPathComponent("straight/t2t.jsonl")))
        XCTAssertEqual(try summary(root.appendingPathComponent("killed")), try summary(root.appendingPathComponent("straight")))
        for file in ["report.md", "accuracy.png", "t2t.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("killed/\(file)").path), file)
        }

        let compare = try EchoxRunner.run(["eval", "compare", "straight", "killed", "--out", "both"], home: home, directory: root)
        XCTAssertEqual(compare.status, 0, compare.stderr)
        let rows = compare.stdout.split(separator: "\n").filter { $0.hasPrefix("| straight") || $0.hasPrefix("| killed") }
        XCTAssertEqual(rows.count, 2, compare.stdout)
        XCTAssertEqual(rows[0].dropFirst("| straight".count), rows[1].dropFirst("| killed".count), "the same figures")
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("both/compare.png").path))
    }

    func testSpeechModesSayWhatToTrain() throws {
        let home = try temporaryDirectory(self)
        let root = try temporaryDirectory(self)
        _ = try writeSet(in: root)
        let result = try EchoxRunner.run(["eval", "qa", "--set", "set.jsonl", "--mode", "s2s"], home: home, directory: root)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("echox train s2t") && result.stderr.contains("echox train echo"), result.stderr)
    }
}
