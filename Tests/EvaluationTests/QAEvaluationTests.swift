import Audio
import Evaluation
import Foundation
import XCTest

/// A speech model that knows its questions by the length of their recording: it answers with the
/// text it was given for that length, and speaks a clip whose length says which answer it was.
final class LengthKeyedSpeechModel: SpokenAnswerer {
    let name: String
    let speaks = true
    let replies: [Int: String]
    /// What it says it heard in each question, by length.
    let heard: [Int: String]
    private(set) var calls = 0
    init(name: String = "stub speech model", replies: [Int: String], heard: [Int: String] = [:]) {
        self.name = name; self.replies = replies; self.heard = heard
    }

    func answer(_ questions: [AudioClip], speak: Bool) throws -> [SpokenAnswer] {
        calls += 1
        return questions.map { clip in
            let text = replies[clip.samples.count] ?? "I do not know"
            let spoken = speak ? AudioClip(samples: [Float](repeating: 0.1, count: 400 + clip.samples.count / 2), sampleRate: 16_000) : nil
            return SpokenAnswer(text: text, audio: spoken, heard: heard[clip.samples.count])
        }
    }
}

/// A recogniser that "hears" a WAV by its length, from a table.
final class LengthKeyedRecogniser: SpeechRecogniser {
    let name = "stub recogniser"
    let heard: [Int: String]
    init(heard: [Int: String]) { self.heard = heard }
    func transcribe(_ files: [URL]) throws -> [String] {
        try files.map { heard[try AudioFile.read($0, sampleRate: 16_000).samples.count] ?? "" }
    }
}

final class QAEvaluationTests: XCTestCase {
    /// Four questions with recordings of 1600·(i+1) samples; the model's answers and what the
    /// recogniser hears in its spoken answers (400 + 800·(i+1) samples).
    struct Fixture {
        let folder: URL
        let set: URL
        let model: LengthKeyedSpeechModel
        let recogniser: LengthKeyedRecogniser
    }

    func fixture() throws -> Fixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qa-eval-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let questions = [("q0", "Where is the Louvre?", ["Paris"]), ("q1", "Who wrote Hamlet?", ["Shakespeare", "William Shakespeare"]),
                         ("q2", "What is the capital of England?", ["London"]), ("q3", "When did man land on the moon?", ["1969"])]
        var lines: [String] = []
        for (i, (id, question, answers)) in questions.enumerated() {
            try AudioFile.write([Float](repeating: 0.05, count: 1600 * (i + 1)), sampleRate: 16_000, to: folder.appendingPathComponent("audio/\(id).wav"))
            let object: [String: Any] = ["id": id, "question": question, "answers": answers, "audio": "audio/\(id).wav"]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
        let set = folder.appendingPathComponent("set.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: set, atomically: true, encoding: .utf8)
        // Text answers: right for q0, q1 and q3; spoken answers heard right for q0 and q2 only.
        let model = LengthKeyedSpeechModel(replies: [1600: "It is in Paris.", 3200: "shakespeare wrote it", 4800: "Paris, I think", 6400: "In 1969."],
                                           heard: [1600: "where is the louver", 3200: "who wrote hamlet", 4800: "what is the capital of england",
                                                   6400: "when did man land on the moon"])
        let recogniser = LengthKeyedRecogniser(heard: [1200: "it is in paris", 2000: "shake spear wrote it", 2800: "london i think", 3600: "in nineteen sixty nine"])
        return Fixture(folder: folder, set: set, model: model, recogniser: recogniser)
    }

    func evaluation(_ f: Fixture, _ mode: QAMode, out: String = "out", limit: Int? = nil) -> QAEvaluation {
        let e = QAEvaluation(mode: mode, set: f.set, limit: limit, folder: f.folder.appendingPathComponent(out))
        e.spokenAnswerer = f.model
        e.recogniser = f.recogniser
        e.chunk = 1
        return e
    }

    func results(_ e: QAEvaluation) throws -> [QAItemResult] {
        let text = try String(contentsOf: e.files.items, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(QAItemResult.self, from: Data($0.utf8)) }
    }

    func testSpeechToTextScoresTheTextAndSpeechToSpeechScoresWhatIsHeard() throws {
        let f = try fixture()
        let s2t = try evaluation(f, .s2t).run()
        XCTAssertTrue(s2t.complete)
        XCTAssertEqual([s2t.correct, s2t.answered, s2t.total], [3, 4, 4])
        let s2s = try evaluation(f, .s2s).run()
        XCTAssertEqual([s2s.correct, s2s.answered], [2, 4])

        let items = try results(evaluation(f, .s2s))
        XCTAssertEqual(items.map(\.id), ["q0", "q1", "q2", "q3"])
        XCTAssertEqual(items.map(\.match), [true, false, true, false], "the transcript is scored, not the text")
        XCTAssertEqual(items[2].response, "Paris, I think")
        XCTAssertEqual(items[2].answerTranscript, "london i think")
        XCTAssertEqual(items[2].matchedAnswer, "London")
        XCTAssertEqual(items[0].questionAudio, f.folder.appendingPathComponent("audio/q0.wav").standardizedFileURL.path)
        let wav = try XCTUnwrap(items[1].answerAudio)
        XCTAssertEqual(wav, "answers-s2s/q1.wav", "spoken answers are kept in the folder")
        XCTAssertEqual(try AudioFile.read(f.folder.appendingPathComponent("out").appendingPathComponent(wav), sampleRate: 16_000).samples.count, 2000)
        XCTAssertNotNil(items[0].timings["answer_transcription"])
        XCTAssertEqual(items[0].questionTranscript, "where is the louver", "what the model heard is kept")

        let summary = try QAReport.read(folder: f.folder.appendingPathComponent("out"))
        XCTAssertEqual(summary.modes.map(\.mode), [.s2t, .s2s])
        XCTAssertEqual(summary.mode(.s2t)?.accuracy, 0.75)
        XCTAssertEqual(summary.mode(.s2s)?.accuracy, 0.5)
        XCTAssertEqual(summary.mode(.s2s)?.recogniser, "stub recogniser")
        XCTAssertTrue(summary.retention.isEmpty, "no t2t here, so no retention")
        // One word misheard of the four questions' 20 words.
        XCTAssertEqual(try XCTUnwrap(summary.mode(.s2t)?.questionWordErrorRate), 0.05, accuracy: 1e-12)
        let table = try String(contentsOf: QAReport.tableURL(f.folder.appendingPathComponent("out")), encoding: .utf8)
        XCTAssertTrue(table.contains("| s2t | stub speech model | 75.0% | 3 / 4 | 4 of 4 |"), table)
        XCTAssertTrue(table.contains("| s2s | stub speech model → stub recogniser | 50.0% | 2 / 4 |"), table)
        XCTAssertTrue(table.contains("Not evaluated here: t2t, cascade."), table)
        XCTAssertTrue(table.contains("against the question texts of: s2t 5.0%, s2s 5.0%."), table)
    }

    /// Stopped after two questions, then a line cut short and a repeated line (as a kill can leave
    /// them): the same evaluation again ends with the results of an uninterrupted one, nothing lost or counted twice.
    func testStoppedAndDamagedEvaluationResumesToTheSameResults() throws {
        let f = try fixture()
        let straight = evaluation(f, .s2s, out: "straight")
        try straight.run()

        let stopped = evaluation(f, .s2s, out: "stopped")
        var seen = 0
        let partial = try stopped.run(progress: { seen = $0.done }, shouldStop: { seen >= 2 })
        XCTAssertFalse(partial.complete)
        XCTAssertEqual(partial.answered, 2)
        XCTAssertEqual(try results(stopped).count, 2)
        XCTAssertEqual(try QAReport.read(folder: stopped.folder).mode(.s2s)?.complete, false)
        let handle = try FileHandle(forWritingTo: stopped.files.items)
        try handle.seekToEnd()
        let lines = try String(contentsOf: stopped.files.items, encoding: .utf8).split(separator: "\n")
        try handle.write(contentsOf: Data((lines[0] + "\n" + #"{"id":"q2","question":"What is the cap"#).utf8))
        try handle.close()

        let calls = f.model.calls
        let resumed = try stopped.run()
        XCTAssertTrue(resumed.complete)
        XCTAssertEqual(resumed.newlyAnswered, 2, "only the two questions left are answered")
        XCTAssertEqual(f.model.calls - calls, 2)
        XCTAssertEqual(try results(stopped).map(\.withoutTimings), try results(straight).map(\.withoutTimings))
        let a = try QAReport.read(folder: straight.folder), b = try QAReport.read(folder: stopped.folder)
        XCTAssertEqual(a.modes.map(\.withoutTimings), b.modes.map(\.withoutTimings))
        XCTAssertEqual(a.retention, b.retention)
    }

    func testAFolderKeepsOneSetAndOneWayOfRunningEachMode() throws {
        let f = try fixture()
        try evaluation(f, .s2t, limit: 2).run()
        XCTAssertThrowsError(try evaluation(f, .s2s, limit: 3).run()) { error in
            XCTAssertTrue("\(error)".contains("holds an evaluation of") && "\(error)".contains("give another --out"), "\(error)")
        }
        let other = evaluation(f, .s2t, limit: 2)
        other.spokenAnswerer = LengthKeyedSpeechModel(name: "another model", replies: [:])
        XCTAssertThrowsError(try other.run()) { error in
            XCTAssertTrue("\(error)".contains("Resume with the same options"), "\(error)")
            XCTAssertTrue("\(error)".contains("another model"), "\(error)")
        }
        let again = try evaluation(f, .s2t, limit: 2).run()
        XCTAssertEqual(again.newlyAnswered, 0, "nothing left to do")
        XCTAssertTrue(again.complete)
    }

    func testSpeechModesNameWhatTrainsTheirModel() throws {
        for (mode, command) in [(QAMode.s2t, "echox train s2t"), (.s2s, "echox train echo")] {
            XCTAssertThrowsError(try SpokenAnswerers.load(run: nil, mode: mode)) { error in
                XCTAssertTrue("\(error)".contains("--run DIR") && "\(error)".contains(command), "\(error)")
            }
            let run = FileManager.default.temporaryDirectory
            XCTAssertThrowsError(try SpokenAnswerers.load(run: run, mode: mode)) { error in
                XCTAssertTrue("\(error)".contains("has no") && "\(error)".contains(command), "\(error)")
            }
            let f = try fixture()
            let e = QAEvaluation(mode: mode, set: f.set, limit: nil, folder: f.folder.appendingPathComponent("none"))
            XCTAssertThrowsError(try e.run()) { error in XCTAssertTrue("\(error)".contains(command), "\(error)") }
        }
    }

    /// A question without a recording is spoken once by the voice and kept for later runs.
    func testQuestionsWithoutRecordingsAreSynthesisedOnce() throws {
        let f = try fixture()
        let set = f.folder.appendingPathComponent("spoken.jsonl")
        try #"{"id": "s/1", "question": "Where is the Eiffel Tower?", "answers": ["Paris"]}"#.write(to: set, atomically: true, encoding: .utf8)
        let e = QAEvaluation(mode: .s2t, set: set, limit: nil, folder: f.folder.appendingPathComponent("spoken"))
        e.spokenAnswerer = f.model
        e.voice = SpeechVoice(engine: .flite, name: "slt")
        try e.run()
        let item = try XCTUnwrap(try results(e).first)
        let audio = try XCTUnwrap(item.questionAudio)
        XCTAssertTrue(audio.hasPrefix("questions/flite-slt/"), audio)
        let clip = try AudioFile.read(e.folder.appendingPathComponent(audio), sampleRate: 16_000)
        XCTAssertGreaterThan(clip.duration, 1, "the question is spoken")
        XCTAssertGreaterThan(item.timings["synthesis"] ?? 0, 0)
        let state = try XCTUnwrap(try e.files.readState())
        XCTAssertEqual(state.config.voice, "flite:slt", "the voice is part of what the mode was run with")

        try FileManager.default.removeItem(at: e.files.items)
        try FileManager.default.removeItem(at: e.files.state)
        try e.run()
        XCTAssertEqual(try results(e).first?.timings["synthesis"], 0, "the kept recording is used again")
    }
}
