import Audio
import Foundation
import Models
import Tensor
import Units
import XCTest

/// The units pipeline end to end on a tiny corpus synthesised here (tiny models, seconds).
final class UnitsPipelineTests: XCTestCase {
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

    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("units-model-\(UUID().uuidString)")
    }

    func testAlphabetLabels() {
        XCTAssertEqual(CTCAlphabet.labels("Hi, it's 2!"), [8, 9, 27, 9, 20, 28, 19, 27, 20, 23, 15])
        XCTAssertEqual(CTCAlphabet.text(CTCAlphabet.labels("Who's there?")), "who's there")
        XCTAssertEqual(CTCAlphabet.labels("..."), [])
    }

    func testTrainEncodeResynthesizeAndResume() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var lines: [String] = []
        let model = try UnitsPipeline(config: .tiny()).train(samples: Self.corpus, folder: folder) { lines.append($0) }
        XCTAssertTrue(lines.contains { $0.hasPrefix("encoder: step 20/20") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("vocoder: step 30/30") })

        let clip = try AudioFile.read(Self.corpus[0].audio)
        let encoding = try model.encode(clip)
        XCTAssertEqual(encoding.frameUnits.count, (LogMelFrames.count(clip) - 1) / 2 + 1)
        XCTAssertTrue(encoding.units.allSatisfy { $0 >= 0 && $0 < 16 })
        XCTAssertEqual(try UnitSequence.expand(units: encoding.units, durations: encoding.durations), encoding.frameUnits)
        XCTAssertEqual(try model.language.decode(encoding.words), encoding.units)
        XCTAssertLessThanOrEqual(encoding.words.count, encoding.units.count)

        // Source durations give back the input's length (two mel hops per unit frame).
        let (speech, _) = try model.resynthesize(clip, sourceDurations: true)
        XCTAssertEqual(speech.sampleRate, 16_000)
        XCTAssertEqual(Double(speech.samples.count), Double(encoding.frameUnits.count * 2 * 160), accuracy: 400)
        XCTAssertGreaterThan(try model.synthesize(words: encoding.words).samples.count, 0)

        // A second run skips every stage and loads the same model.
        lines = []
        let again = try UnitsPipeline(config: .tiny()).train(samples: Self.corpus, folder: folder) { lines.append($0) }
        XCTAssertTrue(lines.contains("encoder: done earlier"), lines.joined(separator: "\n"))
        XCTAssertFalse(lines.contains { $0.hasPrefix("vocoder: step") })
        XCTAssertEqual(try again.encode(clip), encoding)

        // Other settings into the same folder are refused before anything is written.
        let settings = try Data(contentsOf: folder.appendingPathComponent(UnitsPipeline.settingsFile))
        var other = UnitsPipelineConfig.tiny()
        other.seed = 99
        XCTAssertThrowsError(try UnitsPipeline(config: other).train(samples: Self.corpus, folder: folder) { _ in }) {
            XCTAssertTrue("\($0)".contains("trained with other settings"), "\($0)")
        }
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(UnitsPipeline.settingsFile)), settings)
    }

    /// Stopped in the encoder, then in the vocoder, then run to the end: the same files as a run
    /// that was never stopped.
    func testStoppedTrainingGoesOnToTheSameModel() throws {
        let straight = temporaryFolder(), stopped = temporaryFolder()
        defer { for folder in [straight, stopped] { try? FileManager.default.removeItem(at: folder) } }
        _ = try UnitsPipeline(config: .tiny()).train(samples: Self.corpus, folder: straight) { _ in }

        var lines: [String] = []
        for (stopLine, point) in [("encoder: step 10/20", "encoder step 10/20"), ("vocoder: step 10/30", "vocoder step 10/30")] {
            lines = []
            XCTAssertThrowsError(try UnitsPipeline(config: .tiny()).train(samples: Self.corpus, folder: stopped,
                                                                          shouldStop: { lines.contains { $0.hasPrefix(stopLine) } }) { lines.append($0) }) {
                XCTAssertEqual(($0 as? UnitsTrainingStopped)?.point, point, "\($0)")
            }
        }
        XCTAssertTrue(lines.contains("encoder: resumed at step 10"), lines.joined(separator: "\n"))
        lines = []
        _ = try UnitsPipeline(config: .tiny()).train(samples: Self.corpus, folder: stopped) { lines.append($0) }
        XCTAssertTrue(lines.contains("vocoder: resumed at step 10"), lines.joined(separator: "\n"))
        for name in [UnitsModel.configFile, UnitsModel.encoderFile, UnitsModel.kmeansFile, UnitsModel.languageFile,
                     UnitsModel.vocoderFile, UnitsModel.durationsFile] {
            let a = try Data(contentsOf: straight.appendingPathComponent(name)), b = try Data(contentsOf: stopped.appendingPathComponent(name))
            XCTAssertEqual(a, b, "\(name) differs from the run that was never stopped")
        }
    }

    func testNoTargetVoiceIsAClearError() throws {
        var config = UnitsPipelineConfig.tiny()
        config.targetVoice = "flite:awb"
        XCTAssertThrowsError(try UnitsPipeline(config: config).train(samples: Self.corpus, folder: temporaryFolder()) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("--voices flite:awb"), "\(error)")
        }
        XCTAssertThrowsError(try UnitsModel.load(from: temporaryFolder())) { XCTAssertTrue("\($0)".contains("echox units train")) }
    }

    func testVocoderTrainingResumesExactly() throws {
        var config = UnitVocoderConfig(units: 8)
        config.dim = 16; config.layers = 1; config.durationDim = 8
        var rng = SeededRandom(seed: 9)
        let utterances = (0..<3).map { _ in
            VocoderUtterance(frameUnits: (0..<60).map { _ in Int32(rng.int(below: 8)) },
                             logMel: (0..<(120 * 80)).map { _ in rng.normal() })
        }
        var training = UnitVocoderTrainingConfig()
        training.steps = 12; training.window = 16; training.batch = 2; training.checkpointInterval = 6
        let straight = try UnitVocoder(config, seed: 1)
        try UnitVocoderTrainer(config: training, utterances: utterances, vocoder: straight).trainVocoder(straight, stateURL: nil) { _ in }

        let state = temporaryFolder().appendingPathExtension("safetensors")
        defer { try? FileManager.default.removeItem(at: state) }
        let first = try UnitVocoder(config, seed: 1)
        try UnitVocoderTrainer(config: training, utterances: utterances, vocoder: first).trainVocoder(first, stateURL: state, until: 6) { _ in }
        let resumed = try UnitVocoder(config, seed: 1)
        var lines: [String] = []
        try UnitVocoderTrainer(config: training, utterances: utterances, vocoder: resumed).trainVocoder(resumed, stateURL: state) { lines.append($0) }
        XCTAssertTrue(lines.contains("vocoder: resumed at step 6"))
        for ((name, a), (_, b)) in zip(straight.namedParameters, resumed.namedParameters) {
            for i in 0..<a.count { XCTAssertEqual(a.data[i], b.data[i], "\(name)[\(i)]") }
        }
    }
}

/// Log-mel frame count of a clip at the default settings (hop 160, centred frames).
enum LogMelFrames {
    static func count(_ clip: AudioClip) -> Int { (try? LogMel().compute(clip).frames) ?? 0 }
}
