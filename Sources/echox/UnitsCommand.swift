import ArgumentParser
import Audio
import Foundation
import Training
import Units

/// `echox units …`: speech units, unit language and the unit vocoder.
struct UnitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units",
        abstract: "Train and use speech units (encoder, k-means, unit language, vocoder).",
        subcommands: [UnitsTrainCommand.self, UnitsEncodeCommand.self, UnitsResynthCommand.self, UnitsEvaluateCommand.self])
}

/// `echox units train --corpus DIR --out MODEL`.
struct UnitsTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the speech encoder (CTC), k-means units, unit language, vocoder and duration predictor.",
        discussion: "Stages already finished in MODEL are skipped; an interrupted stage resumes from its state file.")

    @Option(help: "Corpus folders (comma-separated), each with a manifest.jsonl.") var corpus: String
    @Option(help: "Model folder.") var out: String
    @Option(help: "Target voice (the vocoder's voice).") var targetVoice = "flite:slt"
    @Option(help: "Model sizes and training lengths: \(UnitsPipelineConfig.presetNames.joined(separator: ", ")).") var preset = "default"
    @Option(help: "Number of units (k of k-means); default: the preset's.") var units: Int?
    @Option(help: "Encoder layer clustered into units; default: the preset's.") var unitLayer: Int?
    @Option(help: "Encoder CTC training steps; default: the preset's.") var encoderSteps: Int?
    @Option(help: "Vocoder training steps; default: the preset's.") var vocoderSteps: Int?
    @Option(help: "Duration predictor training steps; default: the preset's.") var durationSteps: Int?
    @Option(help: "Unit-language vocabulary size; default: the preset's.") var vocabulary: Int?
    @Option(help: "Seed of every random choice.") var seed: UInt64 = 0

    func run() throws {
        var config: UnitsPipelineConfig
        do { config = try UnitsPipelineConfig.preset(named: preset) } catch { throw CLIError("\(error)") }
        if let units { config.clusters = units }
        if let unitLayer { config.unitLayer = unitLayer }
        if let vocabulary { config.languageVocabulary = vocabulary }
        if let encoderSteps { config.encoderTraining.steps = encoderSteps }
        if let vocoderSteps { config.vocoderTraining.steps = vocoderSteps }
        if let durationSteps { config.vocoderTraining.durationSteps = durationSteps }
        config.targetVoice = targetVoice; config.seed = seed
        let samples = try loadSamples(corpus)
        let start = Date()
        let model = try UnitsPipeline(config: config).train(samples: samples, folder: URL(fileURLWithPath: out)) { print($0); fflush(stdout) }
        print(String(format: "units model: %d units, %d words, written to %@ in %.1f min", model.kmeans.clusters,
                     model.language.vocabularySize, out, Date().timeIntervalSince(start) / 60))
    }
}

/// Samples of every manifest in a comma-separated list of corpus folders.
func loadSamples(_ folders: String) throws -> [UnitsTrainingSample] {
    try folders.split(separator: ",").flatMap { folder -> [UnitsTrainingSample] in
        let url = URL(fileURLWithPath: String(folder))
        return try CorpusManifest.read(url).map {
            UnitsTrainingSample(audio: CorpusManifest.audioURL($0, manifest: url), text: $0.text, voice: $0.voice)
        }
    }
}

/// `echox units encode --model MODEL IN.wav`.
struct UnitsEncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encode", abstract: "Print the units and unit-language words of audio files.")
    @Option(help: "Units model folder.") var model: String
    @Argument(help: "Audio files.") var files: [String]

    func run() throws {
        let units = try UnitsModel.load(from: URL(fileURLWithPath: model))
        for file in files {
            let encoding = try units.encode(try AudioFile.read(URL(fileURLWithPath: file)))
            print("\(file): \(encoding.units.count) units, \(encoding.words.count) words, \(String(format: "%.2f", encoding.seconds)) s")
            print("units: " + encoding.units.map(String.init).joined(separator: " "))
            print("words: " + encoding.words.map(String.init).joined(separator: " "))
        }
    }
}

/// `echox units resynth --model MODEL --out DIR IN.wav...`.
struct UnitsResynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resynth",
        abstract: "Speech → units → speech for each input, written to DIR/<name>.wav.",
        discussion: "Durations are those measured in the input (deduplicated unit runs) unless --predicted-durations is given.")
    @Option(help: "Units model folder.") var model: String
    @Option(help: "Output folder.") var out: String
    @Flag(help: "Use the duration predictor instead of the input's durations.") var predictedDurations = false
    @Argument(help: "Audio files.") var files: [String]

    func run() throws {
        let units = try UnitsModel.load(from: URL(fileURLWithPath: model))
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in files {
            let input = URL(fileURLWithPath: file)
            let (clip, encoding) = try units.resynthesize(try AudioFile.read(input), sourceDurations: !predictedDurations)
            let output = folder.appendingPathComponent(input.deletingPathExtension().lastPathComponent + ".wav")
            try AudioFile.write(clip, to: output)
            print("\(output.path): \(encoding.units.count) units, \(encoding.words.count) words")
        }
    }
}
