import Audio
import Foundation
import Tensor
import Training
import Units
import XCTest

/// Units training as a job of the trainer framework, end to end on a tiny corpus synthesised here.
final class UnitsTrainingJobTests: XCTestCase {
    static let sentences = ["The sky is blue today.", "Who wrote the first book?", "Paris is the capital of France."]

    /// Three sentences in the target voice and one espeak-ng voice, written once per test run.
    static let corpus: [UnitsTrainingSample] = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("units-corpus-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let synthesizer = SpeechSynthesizer()
        var rng = SeededRandom(seed: 4)
        var samples: [UnitsTrainingSample] = []
        for (i, text) in sentences.enumerated() {
            for voice in [SpeechVoice.target, SpeechVoice(engine: .espeak, name: "en-us+m3")] {
                let url = folder.appendingPathComponent("\(i)-\(voice.fileTag).wav")
                try! AudioFile.write(try! synthesizer.render(text, voice: voice, rng: &rng), to: url)
                samples.append(UnitsTrainingSample(audio: url, text: text, voice: voice.description))
            }
        }
        return samples
    }()

    func temporaryFolder(_ name: String = "units") -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    }

    /// Steps `job` to the end (or `maxSteps`) in a run under `root`; returns the metrics logged.
    @discardableResult
    func train(_ job: TrainingJob, runRoot: URL, maxSteps: Int = .max) throws -> [MetricsRecord] {
        let run = try RunDirectory(name: "units", root: runRoot)
        let log = MetricsLog(url: run.metricsURL)
        defer { log.close() }
        _ = try TrainingLoop.run(job, in: run, log: log, options: .init(maxSteps: maxSteps, checkpointEvery: 7))
        return try MetricsLog.read(run.metricsURL)
    }

    func testStagesRunInOrderAndTheModelWorks() throws {
        let folder = temporaryFolder(), runs = temporaryFolder("runs")
        defer { for f in [folder, runs] { try? FileManager.default.removeItem(at: f) } }
        let config = UnitsPipelineConfig.tiny()
        let job = try UnitsTrainingJob(config: config, samples: Self.corpus, folder: folder)
        let records = try train(job, runRoot: runs)
        XCTAssertTrue(job.isFinished)
        // Every step is logged once, numbered across the stages, with each stage's own losses.
        let total = config.encoderTraining.steps + 2 + config.vocoderTraining.steps + config.vocoderTraining.durationSteps
        XCTAssertEqual(records.map(\.step), Array(1...total))
        XCTAssertNotNil(records[0].values["encoder_ctc"])
        XCTAssertNotNil(records[config.encoderTraining.steps].values["kmeans_inertia"])
        XCTAssertNotNil(records[config.encoderTraining.steps + 1].values["language_units_per_word"])
        XCTAssertNotNil(records[config.encoderTraining.steps + 2].values["vocoder_l1"])
        XCTAssertNotNil(records.last?.values["durations_mse"])
        // Training lowers each gradient stage's loss.
        let ctc = records.compactMap { $0.values["encoder_ctc"] }, l1 = records.compactMap { $0.values["vocoder_l1"] }
        XCTAssertLessThan(ctc.suffix(3).reduce(0, +), ctc.prefix(3).reduce(0, +))
        XCTAssertEqual(l1.count, config.vocoderTraining.steps)   // (30 tiny steps teach it little: the meaning test measures it)

        let model = try job.model()
        let clip = try AudioFile.read(Self.corpus[0].audio)
        let encoding = try model.encode(clip)
        XCTAssertTrue(encoding.units.allSatisfy { $0 >= 0 && $0 < 16 })
        XCTAssertEqual(try UnitSequence.expand(units: encoding.units, durations: encoding.durations), encoding.frameUnits)
        XCTAssertEqual(try model.language.decode(encoding.words), encoding.units)
        let (speech, _) = try model.resynthesize(clip, sourceDurations: true)
        XCTAssertEqual(Double(speech.samples.count), Double(encoding.frameUnits.count * 2 * 160), accuracy: 400)

        // The folder now holds a finished model: a new job has nothing to do and gives the same model.
        let again = try UnitsTrainingJob(config: config, samples: Self.corpus, folder: folder)
        XCTAssertTrue(again.isFinished)
        XCTAssertEqual(try again.model().encode(clip), encoding)

        // Other settings into the same folder are refused before anything is written.
        let settings = try Data(contentsOf: folder.appendingPathComponent(UnitsPipelineConfig.settingsFile))
        var other = config
        other.seed = 99
        XCTAssertThrowsError(try UnitsTrainingJob(config: other, samples: Self.corpus, folder: folder)) {
            XCTAssertTrue("\($0)".contains("trained with other settings"), "\($0)")
        }
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(UnitsPipelineConfig.settingsFile)), settings)
    }

    /// Stopped in the encoder and in the vocoder, each time rebuilt from nothing and resumed from the
    /// run's checkpoint: the same files and metrics as a run never stopped (with dropout in the encoder).
    func testStoppedTrainingResumesToTheSameModel() throws {
        var config = UnitsPipelineConfig.tiny()
        config.encoder.dropout = 0.1
        let straight = temporaryFolder(), stopped = temporaryFolder(), runsA = temporaryFolder("runs"), runsB = temporaryFolder("runs")
        defer { for f in [straight, stopped, runsA, runsB] { try? FileManager.default.removeItem(at: f) } }
        let expected = try train(try UnitsTrainingJob(config: config, samples: Self.corpus, folder: straight), runRoot: runsA)

        let stops = [11, config.encoderTraining.steps + 2 + 9]   // inside the encoder, inside the vocoder
        var done = 0
        for stop in stops + [Int.max] {
            let job = try UnitsTrainingJob(config: config, samples: Self.corpus, folder: stopped)
            let run = try RunDirectory(name: "units", root: runsB)
            if run.hasCheckpoint { try run.resume(job) }
            XCTAssertEqual(job.completedSteps, done)
            try train(job, runRoot: runsB, maxSteps: stop == .max ? .max : stop - done)
            done = job.completedSteps
        }
        XCTAssertEqual(try MetricsLog.read(runsB.appendingPathComponent("units/metrics.jsonl")), expected)
        for name in [UnitsModel.configFile, UnitsModel.encoderFile, UnitsModel.kmeansFile, UnitsModel.languageFile,
                     UnitsModel.vocoderFile, UnitsModel.durationsFile] {
            let a = try Data(contentsOf: straight.appendingPathComponent(name)), b = try Data(contentsOf: stopped.appendingPathComponent(name))
            XCTAssertEqual(a, b, "\(name) differs from the run that was never stopped")
        }
    }

    func testNoTargetVoiceIsAClearError() throws {
        var config = UnitsPipelineConfig.tiny()
        config.targetVoice = "flite:awb"
        XCTAssertThrowsError(try UnitsTrainingJob(config: config, samples: Self.corpus, folder: temporaryFolder())) { error in
            XCTAssertTrue("\(error)".contains("voices=flite:awb"), "\(error)")
        }
        XCTAssertThrowsError(try UnitsModel.load(from: temporaryFolder())) { XCTAssertTrue("\($0)".contains("units train")) }
    }

    /// A damaged k-means or unit-language file is reported with what rebuilds it, never retrained silently.
    func testDamagedStageFilesAreReported() throws {
        let folder = temporaryFolder(), runs = temporaryFolder("runs")
        defer { for f in [folder, runs] { try? FileManager.default.removeItem(at: f) } }
        let config = UnitsPipelineConfig.tiny()
        try train(try UnitsTrainingJob(config: config, samples: Self.corpus, folder: folder), runRoot: runs)
        for name in [UnitsModel.kmeansFile, UnitsModel.languageFile] {
            let url = folder.appendingPathComponent(name)
            let original = try Data(contentsOf: url)
            try original.prefix(original.count / 3).write(to: url)
            let modified = try Data(contentsOf: url)
            XCTAssertThrowsError(try UnitsTrainingJob(config: config, samples: Self.corpus, folder: folder)) { error in
                XCTAssertTrue("\(error)".contains("\(name) is damaged"), "\(error)")
                XCTAssertTrue("\(error)".contains("run `units train`"), "\(error)")
            }
            XCTAssertThrowsError(try UnitsModel.load(from: folder)) { XCTAssertTrue("\($0)".contains("damaged"), "\($0)") }
            XCTAssertEqual(try Data(contentsOf: url), modified, "the damaged file was rewritten")
            try original.write(to: url)
        }
    }
}
