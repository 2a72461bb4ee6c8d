import Audio
import Foundation
import Evaluation
import Tensor
import Training
import Units
import XCTest

/// What units training is for: speech that means the same after speech → units → speech. A small
/// model trained here on the quick-start corpus resynthesises sentences it never heard, and the
/// project's independent recogniser (the asr-score plugin, pocketsphinx) must still understand them.
final class UnitsIntelligibilityTests: XCTestCase {
    static let heldOut = ["The weather is warm and sunny today.", "My sister plays the piano every evening.",
                          "We need more milk and bread from the shop.", "The children are reading books in the garden.",
                          "Please close the window before you leave.", "He cooked a big dinner for his friends."]

    var packageRoot: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    func testResynthesisedHeldOutSpeechIsRecognised() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("units-meaning-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        // The quick-start corpus: everyday sentences in the target voice and one other flite voice.
        let texts = try String(contentsOf: packageRoot.appendingPathComponent("sessions/texts/everyday.txt"), encoding: .utf8)
            .split(separator: "\n").enumerated().map { CorpusText(id: "everyday-\($0.offset)", text: String($0.element)) }
        let corpus = work.appendingPathComponent("corpus")
        try CorpusBuilder().build(texts: texts, voices: [SpeechVoice.target, SpeechVoice(engine: .flite, name: "kal")], folder: corpus)
        let samples = try CorpusManifest.read(corpus).map {
            UnitsTrainingSample(audio: CorpusManifest.audioURL($0, manifest: corpus), text: $0.text, voice: $0.voice)
        }
        let job = try UnitsTrainingJob(config: .quick(), samples: samples, folder: work.appendingPathComponent("model"))
        let run = try RunDirectory(name: "units", root: work)
        let log = MetricsLog(url: run.metricsURL)
        let start = Date()
        _ = try TrainingLoop.run(job, in: run, log: log, options: .init(maxSteps: .max))
        log.close()
        let model = try job.model()
        print(String(format: "units model (quick preset, %d utterances) trained in %.0f s", samples.count, Date().timeIntervalSince(start)))

        // Held-out sentences in the target voice.
        let heldOut = work.appendingPathComponent("held-out")
        try CorpusBuilder().build(texts: Self.heldOut.enumerated().map { CorpusText(id: "held-out-\($0.offset)", text: $0.element) },
                                  voices: [SpeechVoice.target], folder: heldOut)
        var evaluation = UnitsIntelligibility(scorer: packageRoot.appendingPathComponent("plugins/asr-score/asr_score.py"))
        evaluation.kinds = [.original, .source, .predicted]
        let report = try evaluation.run(model: model, manifest: heldOut.appendingPathComponent(CorpusManifest.fileName),
                                        folder: work.appendingPathComponent("eval")) { print($0) }
        let original = try XCTUnwrap(report.wordErrorRates[.original]), source = try XCTUnwrap(report.wordErrorRates[.source])
        let predicted = try XCTUnwrap(report.wordErrorRates[.predicted])
        // The recogniser hears the original recordings well, and the resynthesised speech nearly as well.
        XCTAssertLessThanOrEqual(original, 0.15)
        XCTAssertLessThanOrEqual(source, 0.35, "speech through the units (input durations) lost its words")
        XCTAssertLessThanOrEqual(predicted, 0.5, "speech through the units (predicted durations) lost its words")
    }

    /// The scorer itself tells noise from speech: the bound above can fail.
    func testNoiseIsNotRecognisedAsTheSentence() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("units-noise-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        var rng = SeededRandom(seed: 1)
        let noise = AudioClip(samples: (0..<32_000).map { _ in 0.3 * rng.normal() }, sampleRate: 16_000)
        try AudioFile.write(noise, to: work.appendingPathComponent("noise.wav"))
        try CorpusManifest.write([CorpusEntry(id: "noise", audio: "noise.wav", text: Self.heldOut[0], voice: "noise", duration: 2)],
                                 to: work.appendingPathComponent("noise.jsonl"))
        let evaluation = UnitsIntelligibility(scorer: packageRoot.appendingPathComponent("plugins/asr-score/asr_score.py"))
        XCTAssertGreaterThan(try evaluation.score(work.appendingPathComponent("noise.jsonl")), 0.8)
    }
}
