import Foundation
import XCTest

/// Runs plugins/asr-score on speech synthesised by flite (voice slt, 16 kHz).
final class ASRScorePluginTests: XCTestCase {
    static let sentences = [
        "The weather today is sunny and warm, with a light breeze from the west.",
        "Water boils at 100 degrees Celsius at sea level.",
        "Paris is the capital city of France.",
    ]

    static let pluginScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../plugins/asr-score/asr_score.py").standardizedFileURL

    static let folder: URL = FileManager.default.temporaryDirectory.appendingPathComponent("asr-score-\(UUID().uuidString)")

    // MARK: - Helpers

    struct Run { let status: Int32; let stdout: String; let stderr: String }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                   stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// The synthesised WAV of sentence `index` (made once per test run).
    static func wav(_ index: Int) throws -> URL {
        let url = folder.appendingPathComponent("sentence\(index).wav")
        if !FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let made = try run("flite", ["-voice", "slt", "-t", sentences[index], "-o", url.path])
            guard made.status == 0 else { throw NSError(domain: "flite", code: Int(made.status), userInfo: [NSLocalizedDescriptionKey: "flite failed (apt-get install flite): \(made.stderr)"]) }
        }
        return url
    }

    static func scorer(_ arguments: [String], stdin: String? = nil) throws -> Run {
        try run("python3", [pluginScript.path] + arguments, stdin: stdin)
    }

    static func json(_ run: Run) throws -> [String: Any] {
        guard run.status == 0, let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
            throw NSError(domain: "asr-score", code: Int(run.status), userInfo: [NSLocalizedDescriptionKey:
                "asr-score failed (status \(run.status)): \(run.stderr) \(run.stdout)"])
        }
        return object
    }

    // MARK: - Tests

    func testManifestOfSynthesisedSpeechHasLowWER() throws {
        var lines: [String] = []
        for (i, text) in Self.sentences.enumerated() {
            let entry: [String: Any] = ["id": "s\(i)", "audio": try Self.wav(i).lastPathComponent, "text": text, "voice": "slt", "duration": 0]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: entry), as: UTF8.self))
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: Self.folder.appendingPathComponent("manifest.jsonl"))
        // A relative manifest path, resolved through the "cwd" of the JSON context on stdin.
        let output = try Self.json(try Self.scorer(["--refs", "manifest.jsonl", "--json"], stdin: #"{"cwd": "\#(Self.folder.path)"}"#))
        let summary = try XCTUnwrap(output["summary"] as? [String: Any])
        let results = try XCTUnwrap(output["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 3)
        let wer = try XCTUnwrap(summary["wer"] as? Double)
        print("asr-score: WER \(wer) over \(summary["ref_words"] ?? 0) words; transcripts: \(results.map { $0["transcript"] ?? "" })")
        XCTAssertEqual(summary["ref_words"] as? Int, 31)
        XCTAssertLessThan(wer, 0.30)
        for result in results { XCTAssertFalse((result["transcript"] as? String ?? "").isEmpty) }
    }

    func testWrongReferenceGivesHighWER() throws {
        let run = try Self.scorer(["--ref", "I would like a cup of hot tea with milk please.", try Self.wav(2).path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let summary = try XCTUnwrap(run.stdout.split(separator: "\n").first { $0.hasPrefix("WER: ") }, run.stdout)
        let percent = try XCTUnwrap(Double(summary.dropFirst(5).prefix { $0 != "%" }), String(summary))
        print("asr-score: wrong reference WER \(percent)%")
        XCTAssertGreaterThan(percent, 80)
        XCTAssertTrue(summary.hasSuffix("(11 words)"), String(summary))
    }

    /// Run from the workbench with no file named, the plugin scores the last WAV the workbench made.
    func testWithoutFilesTheContextsLastWavIsScored() throws {
        let audio = try Self.wav(0).path
        let context = #"{"last_outputs": {"wav": "\#(audio)", "text": "unrelated"}, "sample": null}"#
        let output = try Self.json(try Self.scorer(["--ref", Self.sentences[0], "--json"], stdin: context))
        let results = try XCTUnwrap(output["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1)
        XCTAssertEqual(results.first?["audio"] as? String, audio)
        XCTAssertFalse((results.first?["transcript"] as? String ?? "").isEmpty)
        let none = try Self.scorer([], stdin: #"{"last_outputs": {}}"#)
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("no audio to score"), none.stderr)
    }

    func testSpokenAnswerMatching() throws {
        // Per-entry gold answers from a manifest; the same file is listed twice and decoded once.
        let audio = try Self.wav(2).path
        let manifest = Self.folder.appendingPathComponent("answers.jsonl")
        try Data("""
            {"id": "hit", "audio": "\(audio)", "answers": ["Lyon", "Paris"]}
            {"id": "miss", "audio": "\(audio)", "answers": "Berlin|Madrid"}
            """.utf8).write(to: manifest)
        let output = try Self.json(try Self.scorer(["--refs", manifest.path, "--json"]))
        let results = try XCTUnwrap(output["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["answer_match"] as? Bool }, [true, false])
        XCTAssertEqual((output["summary"] as? [String: Any])?["answers_matched"] as? Int, 1)
        XCTAssertEqual((output["summary"] as? [String: Any])?["answers_total"] as? Int, 2)
    }

    func testSelfTestAndBadInput() throws {
        let selfTest = try Self.scorer(["--self-test"])
        XCTAssertEqual(selfTest.status, 0, selfTest.stdout)
        XCTAssertTrue(selfTest.stdout.contains("passed"))
        let notWav = Self.folder.appendingPathComponent("notes.wav")
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: notWav)
        let bad = try Self.scorer([Self.folder.appendingPathComponent("absent.wav").path, notWav.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stdout.contains("cannot read"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("not a RIFF/WAVE file"), bad.stdout)
        let noInput = try Self.scorer([])
        XCTAssertEqual(noInput.status, 1)
        XCTAssertTrue(noInput.stderr.contains("no audio to score"), noInput.stderr)
    }
}
