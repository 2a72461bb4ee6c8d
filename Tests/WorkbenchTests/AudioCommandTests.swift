import Audio
import Foundation
import Units
import XCTest
@testable import Workbench

/// A tiny units model trained once per test process through the shell (`corpus synth`, `units train preset=tiny`).
enum TinyUnitsWorkbench {
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("echox-units-wb-\(UUID().uuidString)", isDirectory: true)

    /// The corpus text: three sentences, one a line.
    static let sentences = ["The sky is blue today.", "Please close the window.", "We walked home after dinner."]

    /// Output of `corpus synth` and `units train` (trained on first use), or the error that stopped them.
    static let training: Result<(corpus: String, train: String), Error> = Result(catching: {
        let work = root.appendingPathComponent("work", isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try sentences.joined(separator: "\n").write(to: work.appendingPathComponent("tiny.txt"), atomically: true, encoding: .utf8)
        let session = makeWorkbench(root: root)
        let corpus = session.execute("corpus synth tiny.txt voices=slt,espeak:en-us+m3")
        if let error = corpus.error { throw WorkbenchError.failed(error) }
        let train = session.execute("units train tiny preset=tiny")
        if let error = train.error { throw WorkbenchError.failed(error) }
        return (corpus.output, train.output)
    })

    /// A session over the shared home (the model in $home/models/units-tiny, the corpus in $home/corpora/tiny).
    static func makeWorkbench(root: URL) -> WorkbenchSession {
        let state = WorkbenchState(home: root.appendingPathComponent("home", isDirectory: true),
                                   workingDirectory: root.appendingPathComponent("work", isDirectory: true))
        return WorkbenchSession(state: state, output: CapturingSink(), registry: .workbench())
    }

    /// A fresh session with the tiny model loaded and a corpus WAV as the current sample.
    static func loadedSession() throws -> (WorkbenchSession, wav: URL) {
        _ = try training.get()
        let session = makeWorkbench(root: root)
        let loaded = session.execute("load units units-tiny")
        if let error = loaded.error { throw WorkbenchError.failed(error) }
        let wav = root.appendingPathComponent("home/corpora/tiny/audio/tiny-1.flite-slt.wav")
        return (session, wav)
    }
}

final class AudioCommandTests: XCTestCase {
    override class func tearDown() {
        try? FileManager.default.removeItem(at: TinyUnitsWorkbench.root)
        super.tearDown()
    }

    func testCorpusAndTrainingThroughTheShellAreReusedTheSecondTime() throws {
        let (corpus, train) = try TinyUnitsWorkbench.training.get()
        XCTAssertTrue(corpus.contains("corpus: 6 entries (6 new, 0 kept)"), corpus)
        XCTAssertTrue(train.contains("encoder: trained"), train)
        XCTAssertTrue(train.contains("k-means: 16 units"), train)
        XCTAssertTrue(train.contains("vocoder: trained"), train)
        XCTAssertTrue(train.contains("durations: trained"), train)
        XCTAssertTrue(train.contains("loaded units units-tiny: 16 units"), train)

        let session = TinyUnitsWorkbench.makeWorkbench(root: TinyUnitsWorkbench.root)
        let again = session.execute("corpus synth tiny.txt voices=slt,espeak:en-us+m3")
        XCTAssertTrue(again.output.contains("corpus: 6 entries (0 new, 6 kept)"), again.output)
        let retrain = session.execute("units train tiny preset=tiny")
        XCTAssertNil(retrain.error)
        XCTAssertTrue(retrain.output.contains("trained earlier with these settings — reused"), retrain.output)
        XCTAssertFalse(retrain.output.contains("encoder: trained"))
        XCTAssertEqual(session.state.models["units"]?.kind, "units")
        // Another preset into the same folder is refused instead of mixing two models.
        let mixed = session.execute("units train tiny preset=quick out=\(session.state.home.path)/models/units-tiny")
        XCTAssertTrue(mixed.error?.contains("trained with other settings") ?? false, mixed.output)
    }

    /// Ctrl-C during `units train` stops it at a step with its progress saved; the shell goes on, and
    /// the same command resumes.
    func testCtrlCStopsUnitsTrainingAndTheSameCommandResumes() throws {
        _ = try TinyUnitsWorkbench.training.get()
        let root = TinyUnitsWorkbench.root
        let out = root.appendingPathComponent("stopped-\(UUID().uuidString)", isDirectory: true)
        let sink = InterruptingSink(when: "step ")
        let session = WorkbenchSession(state: WorkbenchState(home: root.appendingPathComponent("home", isDirectory: true),
                                                             workingDirectory: root.appendingPathComponent("work", isDirectory: true)),
                                       output: sink, registry: .workbench())
        let first = session.execute("units train tiny preset=tiny out=\(out.path)")
        XCTAssertNil(first.error, first.output)
        XCTAssertTrue(first.result.wasInterrupted)
        XCTAssertTrue(first.output.contains("interrupted: stopped at a step boundary after step 1"), first.output)
        XCTAssertTrue(first.output.contains("the same command goes on from there"), first.output)
        XCTAssertNil(session.state.models["units"], "a stopped training loads no model")

        let second = session.execute("units train tiny preset=tiny out=\(out.path)")
        XCTAssertNil(second.error, second.output)
        XCTAssertTrue(second.output.contains("resuming the units training in \(out.path) at step 1 (encoder)"), second.output)
        XCTAssertTrue(second.output.contains("units model trained"), second.output)
        XCTAssertEqual(session.state.models["units"]?.kind, "units")
    }

    func testEncodeAndResynthesizeThroughTheShell() throws {
        let (session, wav) = try TinyUnitsWorkbench.loadedSession()
        let encoded = session.execute("units encode \(wav.path)")
        XCTAssertNil(encoded.error, encoded.output)
        XCTAssertTrue(encoded.output.contains("tiny-1.flite-slt.wav: "), encoded.output)
        let units = try XCTUnwrap(session.state.lastOutputs["units"]).split(separator: " ").compactMap { Int($0) }
        XCTAssertGreaterThan(units.count, 5)
        XCTAssertTrue(units.allSatisfy { $0 >= 0 && $0 < 16 })
        XCTAssertTrue(zip(units, units.dropFirst()).allSatisfy { $0 != $1 }, "deduplicated units")

        let resynth = session.execute("units resynth \(wav.path) durations=source")
        XCTAssertNil(resynth.error, resynth.output)
        let artifact = try XCTUnwrap(resynth.result.artifacts.first)
        XCTAssertEqual(artifact.kind, .audio)
        XCTAssertEqual(artifact.url.lastPathComponent, "tiny-1.flite-slt.resynth.wav")
        XCTAssertEqual(session.state.lastOutputs["wav"], artifact.url.path)
        let input = try Data(contentsOf: wav), output = try Data(contentsOf: artifact.url)
        XCTAssertEqual(Array(output.prefix(4)), Array("RIFF".utf8))
        // Source durations keep the length: 16-bit samples at 16 kHz, within a few frames.
        XCTAssertEqual(Double(output.count), Double(input.count), accuracy: 3000)

        let predicted = session.execute("units resynth durations=predicted")
        XCTAssertTrue(predicted.error?.contains("no audio file given and no current sample") ?? false, predicted.output)
        XCTAssertNil(session.execute("sample \(wav.path)").error)
        XCTAssertNil(session.execute("units resynth durations=predicted").error, "the current sample is the default")
    }

    func testUnitsErrorsAreClearAndTheSessionGoesOn() throws {
        let root = try temporaryDirectory(self)
        let session = TinyUnitsWorkbench.makeWorkbench(root: root)
        try FileManager.default.createDirectory(at: session.state.workingDirectory, withIntermediateDirectories: true)
        func error(_ line: String) -> String { session.execute(line).error ?? "(no error)" }
        XCTAssertTrue(error("units fly").contains("unknown units subcommand 'fly' — use train, encode, resynth or evaluate"))
        XCTAssertTrue(error("units").contains("usage: units train"))
        XCTAssertTrue(error("units encode a.wav").contains("no units model is loaded — type `load units PATH`"))
        XCTAssertTrue(error("plot units a.wav").contains("no units model is loaded"))
        XCTAssertTrue(error("load units nowhere").contains("no units model at"))
        XCTAssertTrue(error("load units").contains("usage: load units"))
        XCTAssertTrue(error("units train nocorpus").contains("no corpus 'nocorpus'"))
        XCTAssertTrue(error("units train").contains("usage: units train"))
        XCTAssertTrue(error("corpus synth missing.txt").contains("no such file"))
        XCTAssertTrue(error("corpus make x").contains("unknown corpus subcommand 'make'"))
        XCTAssertTrue(error("play missing.wav").contains("no such file"))
        XCTAssertTrue(error("play").contains("nothing to play yet"))
        XCTAssertTrue(error("say").contains("usage: say"))
        XCTAssertTrue(error("say voice=zork:x hello").contains("is not one of flite, espeak, festival"))

        let (loaded, wav) = try TinyUnitsWorkbench.loadedSession()
        func loadedError(_ line: String) -> String { loaded.execute(line).error ?? "(no error)" }
        XCTAssertTrue(loadedError("units encode missing.wav").contains("no such file"))
        XCTAssertTrue(loadedError("units encode \(wav.path) extra").contains("no such file"))
        XCTAssertTrue(loadedError("units resynth \(wav.path) durations=guessed").contains("durations=source or durations=predicted"))
        XCTAssertTrue(loadedError("units resynth \(wav.path) speed=2").contains("unknown option 'speed='"))
        XCTAssertTrue(loadedError("units train tiny preset=huge").contains("unknown units preset 'huge'"))
        XCTAssertTrue(loadedError("units encode \(wav.deletingLastPathComponent().path)").contains("is a directory"))
        let text = TinyUnitsWorkbench.root.appendingPathComponent("work/tiny.txt")
        XCTAssertTrue(loadedError("units encode \(text.path)").contains("tiny.txt"), "a text file is not audio")
        XCTAssertNil(loaded.execute("units encode \(wav.path)").error, "the session goes on after errors")
    }

    func testPlotUnitsDrawsTheSpectrogramWithUnitBoundaries() throws {
        let (session, wav) = try TinyUnitsWorkbench.loadedSession()
        let outcome = session.execute("plot units \(wav.path)")
        XCTAssertNil(outcome.error, outcome.output)
        let png = try XCTUnwrap(outcome.result.artifacts.first?.url)
        XCTAssertTrue(outcome.output.contains("plot: \(png.path)"), outcome.output)
        let data = try Data(contentsOf: png)
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertGreaterThan(data.count, 10_000)

        let script = try String(contentsOf: png.deletingPathExtension().appendingPathExtension("gp"), encoding: .utf8)
        let model = try session.state.unitsModel()
        let encoding = try model.encode(try AudioFile.read(wav))
        XCTAssertTrue(script.contains("set title \"tiny-1.flite-slt.wav: log-mel and \(encoding.units.count) units (16-unit model)\""), script)
        XCTAssertTrue(script.contains("set xlabel \"time (s)\""))
        XCTAssertTrue(script.contains("set ylabel \"mel bin\""))
        XCTAssertTrue(script.contains("set key"))

        // The text terminal also gets the units on their time line: the first at 0, then after each duration.
        session.execute("set plot.terminal dumb")
        let text = session.execute("plot units \(wav.path)")
        XCTAssertNil(text.error, text.output)
        XCTAssertTrue(text.output.contains("units @ start time (s):\n\(encoding.units[0])@0.00 \(encoding.units[1])@"
                                           + String(format: "%.2f", Double(encoding.durations[0]) * 0.02)), text.output)
        XCTAssertTrue(script.contains("with image title \"log-mel (ln power)\""))
        XCTAssertTrue(script.contains("NaN with lines lc rgb '#d62728' lw 1 title \"unit boundary\""))
        // One vertical line per unit change, at the first 10 ms mel frame of the next unit.
        let arrows = script.split(separator: "\n").filter { $0.hasPrefix("set arrow from ") }
        XCTAssertEqual(arrows.count, encoding.units.count - 1)
        let firstX = try XCTUnwrap(Double(arrows[0].dropFirst("set arrow from ".count).prefix { $0 != "," }))
        XCTAssertEqual(firstX, (Double(encoding.durations[0]) * 2 - 0.5) * 0.01, accuracy: 1e-9)
        // The data file is the 80 × frames matrix.
        let rows = try String(contentsOf: png.deletingPathExtension().appendingPathExtension("dat"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 80)
        XCTAssertEqual(rows[0].split(separator: " ").count, (encoding.frameUnits.count - 1) * 2 + 1, accuracy: 1)
    }

    func testPlayWithoutAnAudioDevicePrintsThePath() throws {
        let (session, wav) = try TinyUnitsWorkbench.loadedSession()
        let outcome = session.execute("play \(wav.path)")
        XCTAssertNil(outcome.error, outcome.output)
        let hasDevice = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/snd")) ?? []).isEmpty == false
            || ProcessInfo.processInfo.environment["PULSE_SERVER"] != nil
        if hasDevice {
            XCTAssertTrue(outcome.output.contains("played with") || outcome.output.contains(wav.path), outcome.output)
        } else {
            XCTAssertTrue(outcome.output.contains("no audio device here"), outcome.output)
            XCTAssertTrue(outcome.output.contains("the file is at \(wav.path)"), outcome.output)
        }
        // Alone, `play` takes the last WAV a command made.
        let resynth = session.execute("units resynth \(wav.path)")
        let made = try XCTUnwrap(resynth.result.artifacts.first?.url)
        XCTAssertTrue(session.execute("play").output.contains(made.lastPathComponent))
    }

    func testSayMakesTheCurrentSample() throws {
        let root = try temporaryDirectory(self)
        let session = TinyUnitsWorkbench.makeWorkbench(root: root)
        let outcome = session.execute("say voice=slt Good morning, everyone.")
        XCTAssertNil(outcome.error, outcome.output)
        let wav = try XCTUnwrap(outcome.result.artifacts.first?.url)
        XCTAssertEqual(wav.lastPathComponent, "good-morning-everyone.flite-slt.wav")
        XCTAssertEqual(session.state.currentSample, wav.path)
        XCTAssertGreaterThan(try Data(contentsOf: wav).count, 16_000, "more than half a second of 16-bit audio")
    }

    /// The command line's `--voice V` (as `echox say --voice slt …` passes it) picks the voice; the
    /// words after the option are the sentence, `=` and all.
    func testSayTakesTheCommandLineVoiceOption() throws {
        let session = TinyUnitsWorkbench.makeWorkbench(root: try temporaryDirectory(self))
        for (line, file) in [("say --voice slt Two plus two=four.", "two-plus-two-four.flite-slt.wav"),
                             ("say --voice=awb Good night.", "good-night.flite-awb.wav")] {
            let outcome = session.execute(line)
            XCTAssertNil(outcome.error, outcome.output)
            XCTAssertEqual(try XCTUnwrap(outcome.result.artifacts.first?.url).lastPathComponent, file)
        }
        XCTAssertTrue((session.execute("say --voice").error ?? "").contains("--voice needs a value"))
    }

    func testCompletionOffersTheAudioCommands() throws {
        let session = TinyUnitsWorkbench.makeWorkbench(root: try temporaryDirectory(self))
        let completer = Completer(session: session)
        XCTAssertEqual(completer.complete("units "), ["encode", "evaluate", "resynth", "train"])
        XCTAssertEqual(completer.complete("units resynth a.wav dur"), ["durations=predicted", "durations=source"])
        XCTAssertEqual(completer.complete("units train corpus pre"), ["preset=default", "preset=quick", "preset=tiny"])
        XCTAssertEqual(completer.complete("load u"), ["units", "units-training"])
        XCTAssertEqual(completer.complete("plot u"), ["units"])
        XCTAssertEqual(completer.complete("corpus "), ["synth"])
        XCTAssertEqual(completer.complete("pl"), ["play", "plot"])
        XCTAssertTrue(session.execute("help units").output.contains("units resynth [wav…] [durations=source|predicted] [out=DIR]"))
        XCTAssertTrue(session.execute("help plot").output.contains("plot units [wav]"))
        XCTAssertTrue(session.execute("help load").output.contains("load units PATH|NAME"))
    }
}

/// Captures output and presses Ctrl-C (once) when a line containing `trigger` is written.
final class InterruptingSink: OutputSink {
    private let trigger: String
    private var fired = false
    private(set) var text = ""
    init(when trigger: String) { self.trigger = trigger }
    func write(_ text: String) {
        self.text += text
        if !fired && text.contains(trigger) { fired = true; Interrupt.request() }
    }
    func progress(_ line: String) {
        if !fired && line.contains(trigger) { fired = true; Interrupt.request() }
    }
    func endProgress() {}
}
