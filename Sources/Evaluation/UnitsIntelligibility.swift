import Audio
import Foundation
import Training
import Units

/// How intelligible a units model's speech is: held-out utterances resynthesised through the
/// units and scored by an independent recogniser (the asr-score plugin, pocketsphinx).
public struct UnitsIntelligibility {
    /// What is scored: the input itself, units with the input's durations, units with predicted
    /// durations, or Griffin-Lim of the input's log-mel (the ceiling of any mel vocoder).
    public enum Kind: String, CaseIterable, Sendable { case original, source, predicted, copy }

    public var kinds: [Kind] = [.original, .source, .predicted]
    /// The recogniser: an executable taking `--refs MANIFEST --json` (plugins/asr-score/asr_score.py).
    public var scorer: URL
    public var scorerTimeout: Double = 3600
    public init(scorer: URL) { self.scorer = scorer }

    public struct Report: Sendable {
        /// Word error rate (a fraction) per kind.
        public var wordErrorRates: [Kind: Double]
        public var utterances: Int
        public var unitsPerSecond: Double
        public var unitsPerWord: Double
    }

    /// Resynthesises every utterance of `manifest` into `folder/<kind>/` and scores each kind.
    public func run(model units: UnitsModel, manifest manifestURL: URL, folder: URL, log: (String) -> Void = { _ in }) throws -> Report {
        let entries = try CorpusManifest.read(manifestURL)
        guard !entries.isEmpty else { throw TrainingError("\(manifestURL.path) lists no utterances") }
        var manifests = [Kind: [CorpusEntry]]()
        for kind in kinds where kind != .original {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(kind.rawValue), withIntermediateDirectories: true)
        }
        let extractor = try LogMel()
        var unitCount = 0, wordCount = 0, seconds = 0.0
        let start = Date()
        for entry in entries {
            let audio = CorpusManifest.audioURL(entry, manifest: manifestURL)
            let clip = try AudioFile.read(audio, sampleRate: 16_000)
            let encoding = try units.encode(clip)
            unitCount += encoding.units.count; wordCount += encoding.words.count; seconds += encoding.seconds
            for kind in kinds {
                let speech: AudioClip
                switch kind {
                case .original:
                    var original = entry; original.audio = audio.path
                    manifests[kind, default: []].append(original)
                    continue
                case .source: speech = try units.synthesize(units: encoding.units, durations: encoding.durations)
                case .predicted: speech = try units.synthesize(units: encoding.units)
                case .copy:
                    let samples = try GriffinLim(iterations: units.griffinLimIterations).reconstruct(logMel: try extractor.compute(clip), extractor: extractor)
                    speech = AudioClip(samples: samples, sampleRate: extractor.config.sampleRate)
                }
                let path = "\(kind.rawValue)/\(entry.id).wav"
                try AudioFile.write(speech, to: folder.appendingPathComponent(path))
                manifests[kind, default: []].append(CorpusEntry(id: entry.id, audio: path, text: entry.text, voice: kind.rawValue, duration: speech.duration))
            }
        }
        for kind in kinds { try CorpusManifest.write(manifests[kind] ?? [], to: folder.appendingPathComponent("\(kind.rawValue).jsonl")) }
        log(String(format: "resynthesised %d utterances in %.1f s", entries.count, Date().timeIntervalSince(start)))
        var rates = [Kind: Double]()
        for kind in kinds {
            rates[kind] = try score(folder.appendingPathComponent("\(kind.rawValue).jsonl"))
            log(String(format: "WER %@: %.2f%%", kind.rawValue, rates[kind]! * 100))
        }
        return Report(wordErrorRates: rates, utterances: entries.count, unitsPerSecond: Double(unitCount) / max(seconds, 1e-9),
                      unitsPerWord: Double(unitCount) / Double(max(wordCount, 1)))
    }

    /// Word error rate (a fraction) of a manifest by the recogniser.
    public func score(_ manifest: URL) throws -> Double {
        let object = try ASRScoreScript.run(scorer, manifest: manifest, timeout: scorerTimeout, what: "score \(manifest.path)")
        guard let summary = object["summary"] as? [String: Any], let wer = summary["wer"] as? Double else {
            throw EvaluationError("the recogniser \(scorer.path) printed no {\"summary\": {\"wer\"}} for \(manifest.path)")
        }
        return wer
    }
}
