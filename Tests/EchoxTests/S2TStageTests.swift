import Foundation
import XCTest

/// The S2T stage through the real executable: the `tiny` preset from an empty ECHOX_HOME (models
/// fetched, spoken questions, targets and Whisper states built), `ask` on a question in a voice no
/// training used, bad recordings, and a SIGKILL mid-training followed by an exact resume.
final class S2TStageTests: XCTestCase {
    /// One home for the class: the first test that needs the trained tiny run makes it.
    nonisolated(unsafe) static var shared: (root: URL, seconds: Double, output: EchoxRunner.Output)?

    override class func tearDown() {
        if let root = shared?.root { try? FileManager.default.removeItem(at: root) }
        shared = nil
    }

    /// The trained `tiny` run in a home that was empty before it.
    func trainedTiny() throws -> (root: URL, home: URL, seconds: Double, output: EchoxRunner.Output) {
        if let shared = Self.shared { return (shared.root, shared.root.appendingPathComponent("home"), shared.seconds, shared.output) }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("echox-s2t-\(UUID().uuidString)", isDirectory: true)
        let home = root.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let start = Date()
        let output = try EchoxRunner.run(["train", "s2t", "--preset", "tiny", "--run", "tiny"], home: home, directory: root)
        Self.shared = (root, Date().timeIntervalSince(start), output)
        return (root, home, Self.shared!.seconds, output)
    }

    func losses(_ url: URL, _ key: String) throws -> [Double] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            return try XCTUnwrap(object[key] as? Double, "\(key) in \($0)")
        }
    }

    func testTinyPresetFromAnEmptyHomeTrainsWithEveryLossFallingAndAnswers() throws {
        let (root, home, seconds, output) = try trainedTiny()
        XCTAssertEqual(output.status, 0, output.stderr + output.stdout)
        XCTAssertLessThanOrEqual(seconds, 300, "the tiny preset from an empty ECHOX_HOME took \(Int(seconds)) s")
        XCTAssertTrue(output.stdout.contains("downloading"), "the models were fetched: \(output.stdout.prefix(400))")
        let metrics = home.appendingPathComponent("runs/tiny/metrics.jsonl")
        for key in ["ce", "ctc", "loss"] {
            let values = try losses(metrics, key)
            XCTAssertEqual(values.count, 40)
            let first = values.prefix(8).reduce(0, +) / 8, last = values.suffix(8).reduce(0, +) / 8
            XCTAssertLessThan(last, first * 0.7, "\(key) falls: first steps \(first), last steps \(last)")
        }
        let recipe = try String(contentsOf: home.appendingPathComponent("runs/tiny/s2t.json"), encoding: .utf8)
        XCTAssertTrue(recipe.contains("\"preset\" : \"tiny\""), recipe)

        // A training question in Festival's ked_diphone, a voice no training used.
        let said = try EchoxRunner.run(["say", "voice=festival:ked_diphone", "what is the name of justin bieber brother?"], home: home, directory: root)
        XCTAssertEqual(said.status, 0, said.stderr)
        let wav = try XCTUnwrap(said.stdout.split(separator: "\n").first { $0.hasPrefix("wav: ") }?.dropFirst(5).split(separator: " ").first)
        let asked = try EchoxRunner.run(["ask", "--run", "tiny", "--audio", String(wav)], home: home, directory: root)
        XCTAssertEqual(asked.status, 0, asked.stderr)
        let lines = asked.stdout.split(separator: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, 2, asked.stdout)
        XCTAssertTrue(lines.first!.contains { $0.isLetter }, "an answer in words: \(asked.stdout)")
        XCTAssertTrue(asked.stdout.contains("after the end of the audio"), asked.stdout)
        let typed = try EchoxRunner.run(["ask", "--run", "tiny", "--text", "what is the name of justin bieber brother?"], home: home, directory: root)
        XCTAssertEqual(typed.status, 0, typed.stderr)
        XCTAssertTrue(typed.stdout.split(separator: "\n").first?.contains { $0.isLetter } ?? false, typed.stdout)

        // eval qa --mode s2t: the run answers the spoken questions of a set.
        let set = root.appendingPathComponent("three.jsonl")
        try """
            {"id": "a", "question": "what is the name of justin bieber brother?", "answers": ["Jaxon Bieber"]}
            {"id": "b", "question": "what character did natalie portman play in star wars?", "answers": ["Padmé Amidala"]}
            {"id": "c", "question": "where is the capital of france?", "answers": ["Paris"]}
            """.write(to: set, atomically: true, encoding: .utf8)
        let evaluated = try EchoxRunner.run(["eval", "qa", "--set", set.path, "--mode", "s2t", "--run", "tiny", "--out", root.appendingPathComponent("eval").path],
                                            home: home, directory: root)
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr + evaluated.stdout)
        let records = try String(contentsOf: root.appendingPathComponent("eval/s2t.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(records.count, 3)
        XCTAssertTrue(records.allSatisfy { $0.contains("\"question_audio\"") && $0.contains("\"response\"") }, "\(records)")

        // The stage in the shell: load, step with every loss term, the sample of the last step.
        let shell = try EchoxRunner.run([], input: "load s2t preset=tiny run=stepped\nstep 2\nshow sample\nload s2t nowhere\nshow losses\n",
                                        home: home, directory: root)
        XCTAssertTrue(shell.stdout.contains("loaded s2t run stepped at step 0"), shell.stdout)
        XCTAssertTrue(shell.stdout.contains("ce ") && shell.stdout.contains("ctc "), shell.stdout)
        for field in ["transcript", "target", "predicted", "speech frames"] { XCTAssertTrue(shell.stdout.contains(field), "\(field): \(shell.stdout)") }
        XCTAssertTrue(shell.stderr.contains("no S2T run at") || shell.stdout.contains("no S2T run at"), shell.stdout + shell.stderr)
    }

    func testBadRecordingsAndRunsGetClearErrors() throws {
        let (root, home, _, output) = try trainedTiny()
        XCTAssertEqual(output.status, 0, output.stderr)
        func wav(_ name: String, samples: [Int16], rate: Int = 16_000) throws -> String {
            var data = Data()
            func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
            func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
            data.append(contentsOf: Array("RIFF".utf8)); u32(36 + samples.count * 2)
            data.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16); u16(1); u16(1); u32(rate); u32(rate * 2); u16(2); u16(16)
            data.append(contentsOf: Array("data".utf8)); u32(samples.count * 2)
            for s in samples { withUnsafeBytes(of: s.littleEndian) { data.append(contentsOf: $0) } }
            let url = root.appendingPathComponent(name)
            try data.write(to: url)
            return url.path
        }
        var rng = SystemRandomNumberGenerator()
        let corrupt = root.appendingPathComponent("corrupt.wav")
        try Data((0..<4000).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: corrupt)
        let cases: [(String, String)] = [
            (corrupt.path, "corrupt.wav"),
            (try wav("silent.wav", samples: Array(repeating: 0, count: 48_000)), "silent"),
            (try wav("empty.wav", samples: []), "no samples"),
            (try wav("long.wav", samples: (0..<(600 * 8_000)).map { Int16(truncatingIfNeeded: $0 &* 7919 % 20_000 - 10_000) }, rate: 8_000), "at most 30 s"),
            (root.appendingPathComponent("missing.wav").path, "missing.wav"),
        ]
        for (path, expected) in cases {
            let start = Date()
            let asked = try EchoxRunner.run(["ask", "--run", "tiny", "--audio", path], home: home, directory: root)
            XCTAssertEqual(asked.status, 1, "\(path): \(asked.stdout)")
            XCTAssertTrue(asked.stderr.contains(expected), "\(path): \(asked.stderr)")
            XCTAssertLessThan(Date().timeIntervalSince(start), 20, "refused before any model is loaded")
        }
        let noRun = try EchoxRunner.run(["ask", "--run", "nowhere", "--text", "hi"], home: home, directory: root)
        XCTAssertEqual(noRun.status, 1)
        XCTAssertTrue(noRun.stderr.contains("train s2t"), noRun.stderr)
        let both = try EchoxRunner.run(["ask", "--run", "tiny", "--text", "hi", "--audio", corrupt.path], home: home, directory: root)
        XCTAssertTrue(both.stderr.contains("one of them"), both.stderr)
        let other = try EchoxRunner.run(["train", "s2t", "--preset", "smollm2", "--run", "tiny"], home: home, directory: root)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("another S2T config"), other.stderr)
    }

    func testKilledS2TTrainingResumesExactly() throws {
        let (root, home, _, output) = try trainedTiny()
        XCTAssertEqual(output.status, 0, output.stderr)
        let killedMetrics = home.appendingPathComponent("runs/killed/metrics.jsonl")
        try runAndKill([], input: "set train.checkpoint_every 10\ntrain s2t preset=tiny run=killed\n",
                                         home: home, directory: root, file: killedMetrics, lines: 25)
        let partial = try String(contentsOf: killedMetrics, encoding: .utf8).split(separator: "\n").count
        XCTAssertLessThan(partial, 40, "killed mid-run")
        let resumed = try EchoxRunner.run(["train", "s2t", "--run", "killed"], home: home, directory: root)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming run killed at step 20 of 40"), resumed.stdout)
        XCTAssertEqual(try String(contentsOf: killedMetrics, encoding: .utf8),
                       try String(contentsOf: home.appendingPathComponent("runs/tiny/metrics.jsonl"), encoding: .utf8))
        let a = try Data(contentsOf: home.appendingPathComponent("runs/tiny/checkpoint.safetensors"))
        let b = try Data(contentsOf: home.appendingPathComponent("runs/killed/checkpoint.safetensors"))
        XCTAssertEqual(a, b, "the final trainable state (parameters, moments, generators) differs")
    }
}
