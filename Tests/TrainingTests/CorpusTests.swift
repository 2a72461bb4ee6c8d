import Audio
import Foundation
import Training
import XCTest

/// Corpus text input, manifests and the resumable corpus builder.
final class CorpusTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testTextInputAcceptsTextAndQuestion() throws {
        let file = folder.appendingPathComponent("in.jsonl")
        try Data("{\"id\": \"a\", \"text\": \"Hello there.\"}\n\n{\"id\": \"b\", \"question\": \"who is it?\"}\n{\"text\": \"no id\"}\n".utf8).write(to: file)
        let texts = try CorpusText.read(file)
        XCTAssertEqual(texts, [CorpusText(id: "a", text: "Hello there."), CorpusText(id: "b", text: "who is it?"),
                               CorpusText(id: "line-4", text: "no id")])
        try Data("{\"id\": \"a\"}\n".utf8).write(to: file)
        XCTAssertThrowsError(try CorpusText.read(file)) { XCTAssertTrue("\($0)".contains("line 1"), "\($0)") }
        try Data("not json\n".utf8).write(to: file)
        XCTAssertThrowsError(try CorpusText.read(file))
    }

    /// Plain text is one sentence a line, whatever its name; a file whose first line is an object is JSONL.
    func testPlainTextIsASentenceALine() throws {
        let plain = folder.appendingPathComponent("questions.txt")
        try Data("Who is it?\n\n  Where is Paris? \n".utf8).write(to: plain)
        XCTAssertEqual(try CorpusText.read(plain), [CorpusText(id: "questions-1", text: "Who is it?"), CorpusText(id: "questions-3", text: "Where is Paris?")])
        let objects = folder.appendingPathComponent("questions.json")
        try Data("{\"id\": \"q\", \"question\": \"who?\"}\n".utf8).write(to: objects)
        XCTAssertEqual(try CorpusText.read(objects), [CorpusText(id: "q", text: "who?")])
        try Data("\n \n".utf8).write(to: plain)
        XCTAssertThrowsError(try CorpusText.read(plain)) { XCTAssertTrue("\($0)".contains("has no sentences"), "\($0)") }
        try Data([0xff, 0xfe, 0x41]).write(to: plain)
        XCTAssertThrowsError(try CorpusText.read(plain)) { XCTAssertTrue("\($0)".contains("not UTF-8"), "\($0)") }
    }

    func testManifestRoundTripAndBadLines() throws {
        let entries = [CorpusEntry(id: "x.flite-slt", audio: "audio/x.wav", text: "hi", voice: "flite:slt", duration: 1.5)]
        try CorpusManifest.write(entries, to: folder)
        XCTAssertEqual(try CorpusManifest.read(folder), entries)
        XCTAssertEqual(CorpusManifest.audioURL(entries[0], manifest: folder).path, folder.appendingPathComponent("audio/x.wav").path)
        try Data("{\"id\": 3}\n".utf8).write(to: folder.appendingPathComponent("manifest.jsonl"))
        XCTAssertThrowsError(try CorpusManifest.read(folder))
        XCTAssertThrowsError(try CorpusManifest.read(folder.appendingPathComponent("missing")))
    }

    func testBuilderRendersEveryVoiceAndResumes() throws {
        let texts = [CorpusText(id: "t1", text: "The sky is blue."), CorpusText(id: "t2", text: "Who wrote this book?")]
        let voices = [SpeechVoice.target, SpeechVoice(engine: .espeak, name: "en-us+m3")]
        var builder = CorpusBuilder()
        builder.workers = 2
        var lines: [String] = []
        let first = try builder.build(texts: texts, voices: voices, folder: folder) { lines.append($0) }
        XCTAssertEqual(first.entries, 4)
        XCTAssertEqual(first.synthesised, 4)
        XCTAssertFalse(lines.isEmpty)
        let manifest = try CorpusManifest.read(folder)
        XCTAssertEqual(Set(manifest.map(\.voice)), ["flite:slt", "espeak:en-us+m3"])
        for entry in manifest {
            let clip = try AudioFile.read(CorpusManifest.audioURL(entry, manifest: folder))
            XCTAssertEqual(clip.sampleRate, 16_000)
            XCTAssertEqual(clip.duration, entry.duration, accuracy: 1e-3)
        }
        // A second run reuses every file; removing one makes only that one again.
        try FileManager.default.removeItem(at: CorpusManifest.audioURL(manifest[1], manifest: folder))
        let second = try builder.build(texts: texts, voices: voices, folder: folder)
        XCTAssertEqual(second.synthesised, 1)
        XCTAssertEqual(second.reused, 3)
        XCTAssertEqual(try CorpusManifest.read(folder), manifest)
    }

    /// A stop requested mid-build ends it with a clear error after a flush, keeping what was made:
    /// the same build then makes only the rest.
    func testAStoppedBuildKeepsWhatItMadeAndGoesOn() throws {
        let texts = [CorpusText(id: "s1", text: "One."), CorpusText(id: "s2", text: "Two."), CorpusText(id: "s3", text: "Three.")]
        var builder = CorpusBuilder()
        builder.workers = 1
        builder.flushInterval = 1
        var asked = 0
        builder.shouldStop = { asked += 1; return asked == 2 }
        XCTAssertThrowsError(try builder.build(texts: texts, voices: [.target], folder: folder)) {
            XCTAssertTrue("\($0)".contains("stopped after 2 of 3 items"), "\($0)")
            XCTAssertTrue("\($0)".contains("the same command goes on"), "\($0)")
        }
        XCTAssertEqual(try CorpusManifest.read(folder).count, 2)
        builder.shouldStop = { false }
        let rest = try builder.build(texts: texts, voices: [.target], folder: folder)
        XCTAssertEqual([rest.entries, rest.synthesised, rest.reused], [3, 1, 2])
    }
}
