import Evaluation
import Foundation
import XCTest

final class QASetTests: XCTestCase {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qa-set-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func write(_ lines: [String], in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("set.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testReadsItemsWithLimitAndRecordings() throws {
        let dir = try folder()
        try Data("RIFF".utf8).write(to: dir.appendingPathComponent("q2.wav"))
        let url = try write([#"{"id": "a", "question": "what is it?", "answers": ["This", "  ", "That"]}"#, "",
                             #"{"id": 7, "question": "and this?", "answers": ["X"], "audio": "q2.wav"}"#,
                             #"{"id": "c", "question": "last?", "answers": ["Y"]}"#], in: dir)
        let all = try QASet.read(url)
        XCTAssertEqual(all.map(\.id), ["a", "7", "c"])
        XCTAssertEqual(all[0].answers, ["This", "That"], "answers without a word are dropped")
        XCTAssertNil(all[0].audio)
        XCTAssertEqual(all[1].audio?.path, dir.appendingPathComponent("q2.wav").path)
        XCTAssertEqual(try QASet.read(url, limit: 2).map(\.id), ["a", "7"])
    }

    func testBadLinesSayWhatIsWrongAndWhere() throws {
        let dir = try folder()
        let cases: [(String, String)] = [
            ("not json", "set.jsonl:2: not a JSON object"),
            (#"{"question": "q", "answers": ["a"]}"#, "set.jsonl:2: needs an \"id\""),
            (#"{"id": "x", "question": "q", "answers": ["a"]}"#, "the id x appears twice"),
            (#"{"id": "y", "question": " ", "answers": ["a"]}"#, "needs a \"question\""),
            (#"{"id": "y", "question": "q", "answers": "a"}"#, "must be a list of strings"),
            (#"{"id": "y", "question": "q", "answers": ["", "  "]}"#, "no gold answer with any word"),
            (#"{"id": "y", "question": "q", "answers": ["a"], "audio": "missing.wav"}"#, "missing.wav does not exist"),
        ]
        for (line, fragment) in cases {
            let url = try write([#"{"id": "x", "question": "fine?", "answers": ["yes"]}"#, line], in: dir)
            XCTAssertThrowsError(try QASet.read(url), line) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error) should contain \(fragment)")
            }
        }
        XCTAssertThrowsError(try QASet.read(dir.appendingPathComponent("none.jsonl"))) { error in
            XCTAssertTrue("\(error)".contains("no question set"), "\(error)")
        }
    }

    func testFileNamesOfIdsAreSafeAndDistinct() {
        XCTAssertEqual(QuestionSpeech.fileName("WebQTest-12"), "WebQTest-12")
        let a = QuestionSpeech.fileName("a/b"), b = QuestionSpeech.fileName("a_b"), c = QuestionSpeech.fileName("a:b")
        XCTAssertFalse(a.contains("/"))
        XCTAssertEqual(Set([a, b, c]).count, 3)
        XCTAssertFalse(QuestionSpeech.fileName("..").hasPrefix("."))
    }
}
