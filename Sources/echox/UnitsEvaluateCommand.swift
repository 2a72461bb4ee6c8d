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

    func run() throws {
        let units = try UnitsModel.load(from: URL(fileURLWithPath: model))
        let manifestURL = URL(fileURLWithPath: manifest)
        let entries = try CorpusManifest.read(manifestURL)
        let folder = URL(fileURLWithPath: out)
        var originals: [CorpusEntry] = [], source: [CorpusEntry] = [], predicted: [CorpusEntry] = []
        var unitCount = 0, wordCount = 0, seconds = 0.0
        for (folderName, _) in [("source", 0), ("predicted", 1)] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(folderName), withIntermediateDirectories: true)
        }
        let start = Date()
        for entry in entries {
            let audio = CorpusManifest.audioURL(entry, manifest: manifestURL)
            let clip = try AudioFile.read(audio, sampleRate: 16_000)
            let encoding = try units.encode(clip)
            unitCount += encoding.units.count; wordCount += encoding.words.count; seconds += encoding.seconds
            var original = entry; original.audio = audio.path
            originals.append(original)
            for (name, durations) in [("source", encoding.durations), ("predicted", nil)] as [(String, [Int32]?)] {
                let out = try units.synthesize(units: encoding.units, durations: durations)
                let path = "\(name)/\(entry.id).wav"
                try AudioFile.write(out, to: folder.appendingPathComponent(path))
                let item = CorpusEntry(id: entry.id, audio: path, text: entry.text, voice: "units", duration: out.duration)
                if name == "source" { source.append(item) } else { predicted.append(item) }
            }
        }
        try CorpusManifest.write(originals, to: folder.appendingPathComponent("original.jsonl"))
        try CorpusManifest.write(source, to: folder.appendingPathComponent("source.jsonl"))
        try CorpusManifest.write(predicted, to: folder.appendingPathComponent("predicted.jsonl"))
        print(String(format: "resynthesised %d utterances in %.1f s", entries.count, Date().timeIntervalSince(start)))
        print(String(format: "units: %d units in the model; %.1f units/s before the unit language, %.1f words/s after (%.2f units per word)",
                     units.kmeans.clusters, Double(unitCount) / max(seconds, 1e-9), Double(wordCount) / max(seconds, 1e-9),
                     Double(unitCount) / Double(max(wordCount, 1))))
        for name in ["original", "source", "predicted"] {
            let wer = try score(folder.appendingPathComponent("\(name).jsonl"))
            print(String(format: "WER %@: %.2f%%", name, wer * 100))
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
