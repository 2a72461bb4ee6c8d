import ArgumentParser
import Audio
import Foundation
import Training
import Units

/// `echox units evaluate --model MODEL --manifest HELD-OUT.jsonl --out DIR`: the intelligibility measurement.
struct UnitsEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Resynthesise held-out speech and score original and resynthesised audio with the asr-score plugin (pocketsphinx).")
    @Option(help: "Units model folder.") var model: String
    @Option(help: "Manifest (or corpus folder) of held-out utterances.") var manifest: String
    @Option(help: "Output folder for the resynthesised audio and manifests.") var out: String
    @Option(help: "Path of plugins/asr-score/asr_score.py.") var scorer = "plugins/asr-score/asr_score.py"
    @Option(help: "Griffin-Lim iterations (default: the model's).") var griffinLimIterations: Int?
    @Option(help: """
        What to score, comma-separated: original (the input), source (units with the input's durations), \
        predicted (units with predicted durations), copy (Griffin-Lim of the input's log-mel: the ceiling of any mel vocoder).
        """) var kinds = "original,source,predicted"

    static let allKinds = ["original", "source", "predicted", "copy"]

    func validate() throws {
        if let griffinLimIterations, griffinLimIterations < 1 { throw ValidationError("--griffin-lim-iterations must be at least 1") }
        let unknown = kindList.filter { !Self.allKinds.contains($0) }
        guard unknown.isEmpty, !kindList.isEmpty else {
            throw ValidationError("--kinds takes a comma-separated list of \(Self.allKinds.joined(separator: ", ")); got \(kinds)")
        }
    }

    var kindList: [String] { kinds.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func run() throws {
        let units = try UnitsModel.load(from: URL(fileURLWithPath: model))
        if let griffinLimIterations { units.griffinLimIterations = griffinLimIterations }
        let manifestURL = URL(fileURLWithPath: manifest)
        let entries = try CorpusManifest.read(manifestURL)
        let folder = URL(fileURLWithPath: out)
        let kinds = kindList
        var manifests = [String: [CorpusEntry]]()
        for name in kinds where name != "original" {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let extractor = try LogMel()
        var unitCount = 0, wordCount = 0, seconds = 0.0
        let start = Date()
        for entry in entries {
            let audio = CorpusManifest.audioURL(entry, manifest: manifestURL)
            let clip = try AudioFile.read(audio, sampleRate: 16_000)
            let encoding = try units.encode(clip)
            unitCount += encoding.units.count; wordCount += encoding.words.count; seconds += encoding.seconds
            for name in kinds {
                let speech: AudioClip
                switch name {
                case "original":
                    var original = entry; original.audio = audio.path
                    manifests[name, default: []].append(original)
                    continue
                case "source": speech = try units.synthesize(units: encoding.units, durations: encoding.durations)
                case "predicted": speech = try units.synthesize(units: encoding.units)
                default:
                    let samples = try GriffinLim(iterations: units.griffinLimIterations).reconstruct(logMel: try extractor.compute(clip), extractor: extractor)
                    speech = AudioClip(samples: samples, sampleRate: extractor.config.sampleRate)
                }
                let path = "\(name)/\(entry.id).wav"
                try AudioFile.write(speech, to: folder.appendingPathComponent(path))
                manifests[name, default: []].append(CorpusEntry(id: entry.id, audio: path, text: entry.text, voice: name, duration: speech.duration))
            }
        }
        for name in kinds { try CorpusManifest.write(manifests[name] ?? [], to: folder.appendingPathComponent("\(name).jsonl")) }
        print(String(format: "resynthesised %d utterances in %.1f s", entries.count, Date().timeIntervalSince(start)))
        print(String(format: "units: %d units in the model; %.1f units/s before the unit language, %.1f words/s after (%.2f units per word)",
                     units.kmeans.clusters, Double(unitCount) / max(seconds, 1e-9), Double(wordCount) / max(seconds, 1e-9),
                     Double(unitCount) / Double(max(wordCount, 1))))
        for name in kinds {
            let total = (manifests[name] ?? []).reduce(0) { $0 + $1.duration }
            print(String(format: "%@: %.1f s of audio", name, total))
        }
        fflush(stdout)
        for name in kinds {
            let wer = try score(folder.appendingPathComponent("\(name).jsonl"))
            print(String(format: "WER %@: %.2f%%", name, wer * 100))
            fflush(stdout)
        }
    }

    /// Word error rate (fraction) of a manifest by the asr-score plugin.
    func score(_ manifest: URL) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scorer, "--refs", manifest.path, "--json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let summary = object["summary"] as? [String: Any], let wer = summary["wer"] as? Double else {
            throw ValidationError("the asr-score plugin failed on \(manifest.path) (status \(process.terminationStatus)): install pocketsphinx with `pip install pocketsphinx` and pass --scorer plugins/asr-score/asr_score.py")
        }
        return wer
    }
}
