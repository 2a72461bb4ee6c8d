import Audio
import Formats
import Foundation
import Training
import Evaluation
import Units

// MARK: - The units model of a session

extension WorkbenchState {
    /// The units model in the `units` slot, or a clear error.
    func unitsModel() throws -> UnitsModel {
        guard let model = models["units"]?.object as? UnitsModel else {
            throw WorkbenchError.failed("no units model is loaded — type `load units PATH` (a folder made by `units train`)")
        }
        return model
    }

    /// Puts a units model into the `units` slot.
    func setUnitsModel(_ model: UnitsModel, folder: URL) {
        models["units"] = LoadedModel(kind: "units", source: folder.path, object: model)
    }
}

public enum UnitsCommands {
    /// `load units PATH|NAME`: a units model folder (NAME: a folder in $ECHOX_HOME/models).
    public static let loader = Loader(
        kind: "units", usage: "units PATH|NAME",
        summary: "a units model folder written by `units train` (NAME looks in $ECHOX_HOME/models, e.g. units-quick); then units encode|resynth, plot units",
        argumentCompletion: .filePath
    ) { words, context in
        guard words.count == 1 else { throw WorkbenchError.usage("load units PATH|NAME") }
        let folder = modelFolder(words[0], in: context)
        let model = try library { try UnitsModel.load(from: folder) }
        context.state.setUnitsModel(model, folder: folder)
        context.print(describe(model, folder: folder))
        return .ok
    }

    /// `word` as a path when it exists there, else `$ECHOX_HOME/models/<word>`.
    static func modelFolder(_ word: String, in context: CommandContext) -> URL {
        let direct = AudioPaths.url(word, in: context)
        if FileManager.default.fileExists(atPath: direct.path) || word.contains("/") { return direct }
        return context.state.home.appendingPathComponent("models", isDirectory: true).appendingPathComponent(word, isDirectory: true)
    }

    /// One line about a loaded model.
    static func describe(_ model: UnitsModel, folder: URL) -> String {
        let c = model.config
        return "loaded units \(folder.lastPathComponent): \(model.kmeans.clusters) units from encoder layer \(c.unitLayer) "
            + "(\(c.encoder.layers) layers × \(c.encoder.dim)), \(model.language.vocabularySize) unit-language words, "
            + "vocoder voice \(c.targetVoice)"
    }
}

// MARK: - units

/// `units train|encode|resynth`: speech units over the library's `UnitsPipeline` and `UnitsModel`.
public final class UnitsCommand: WorkbenchCommand {
    public let name = "units"
    public let usage = "units train <corpus> [preset=quick] [out=PATH] … | units encode [wav] | units resynth [wav…] [durations=source|predicted] [out=DIR]"
    public let summary = "train a units model on a corpus, or turn speech into units and back (encode, resynth)"
    public let help = """
        units train <corpus>[,<corpus>…] [preset=tiny|quick|default] [out=PATH] [target_voice=V] [units=K]
                    [unit_layer=L] [encoder_steps=N] [vocoder_steps=N] [duration_steps=N] [vocabulary=N] [seed=N]
            Trains encoder, k-means units, unit language, vocoder and durations on corpus folders (paths, or
            names in $ECHOX_HOME/corpora made by `corpus synth`) into out= (default $ECHOX_HOME/models/units-<preset>),
            then loads it. The size options override the preset's. It is a job of the trainer framework (run
            units-<folder>): Ctrl-C stops with its progress saved and the same command goes on; `load
            units-training …` takes the same options and leaves the steps to `step` and `train`.
        units encode [wav]
            The units and unit-language words of a WAV (default: the current sample).
        units resynth [wav…] [durations=source|predicted] [out=DIR]
            Speech → units → speech in the vocoder's voice, written to out= (default runs/<run>/audio/) as <name>.resynth.wav.
            Durations are the input's (source, default) or the duration predictor's.
        units evaluate manifest=HELD-OUT.jsonl out=DIR [model=PATH] [kinds=original,source,predicted,copy]
                       [scorer=plugins/asr-score/asr_score.py] [griffin_lim_iterations=N]
            Resynthesises held-out speech and scores each kind with the asr-score recogniser (pocketsphinx):
            the word error rate of the input, of units with its durations, with predicted durations, and of
            Griffin-Lim of its log-mel (the ceiling of any mel vocoder).
        """
    public let arguments = [ArgumentSpec("action", completion: .words(["encode", "evaluate", "resynth", "train"])),
                            ArgumentSpec("args", optional: true, variadic: true)]
    public init() {}

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        if index == 0 { return .words(["encode", "evaluate", "resynth", "train"]) }
        switch previous[0] {
        case "train": return index == 1 ? .words(CorpusCommand.corpusNames(in: EchoXHome.corpora)) : .words(UnitsPipelineConfig.presetNames.map { "preset=" + $0 } + ["out="])
        case "encode": return index == 1 ? .filePath : .none
        case "resynth": return .words(["durations=predicted", "durations=source", "out="])
        default: return .none
        }
    }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard let action = words.first else { throw WorkbenchError.usage(usage) }
        let rest = Array(words.dropFirst())
        switch action {
        case "train": return try UnitsTraining.run(rest, in: context)
        case "encode": return try encode(rest, in: context)
        case "resynth": return try resynthesize(rest, in: context)
        case "evaluate": return try evaluate(rest, in: context)
        default:
            throw WorkbenchError.invalidArgument("unknown units subcommand '\(action)' — use train, encode, resynth or evaluate (help units)")
        }
    }

    // MARK: encode

    private func encode(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let usage = "units encode [wav…] [model=PATH]"
        let (options, rest) = try AudioPaths.options(words, known: ["model"], usage: usage)
        if let folder = options["model"] { try loadModel(folder, in: context) }
        let model = try context.state.unitsModel()
        let inputs = rest.isEmpty ? [try AudioPaths.inputAudio(nil, in: context, usage: usage)]
            : try rest.map { try AudioPaths.inputAudio($0, in: context, usage: usage) }
        for url in inputs {
            let encoding = try library { try model.encode(try AudioFile.read(url)) }
            let perWord = Double(encoding.units.count) / Double(max(encoding.words.count, 1))
            context.print(String(format: "%@: %.2f s, %d frames → %d units → %d unit-language words (%.2f units per word)",
                                 url.lastPathComponent, encoding.seconds, encoding.frameUnits.count, encoding.units.count,
                                 encoding.words.count, perWord))
            context.print("units: " + Self.list(encoding.units))
            context.print("words: " + Self.list(encoding.words))
            context.state.lastOutputs["units"] = encoding.units.map(String.init).joined(separator: " ")
        }
        return .ok
    }

    // MARK: resynth

    private func resynthesize(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let usage = "units resynth [wav…] [durations=source|predicted] [out=DIR]"
        let (options, rest) = try AudioPaths.options(words, known: ["durations", "out", "model"], usage: usage)
        let durations = options["durations"] ?? "source"
        guard durations == "source" || durations == "predicted" else {
            throw WorkbenchError.invalidArgument("durations=\(durations): use durations=source or durations=predicted")
        }
        if let folder = options["model"] { try loadModel(folder, in: context) }
        let model = try context.state.unitsModel()
        let inputs = rest.isEmpty ? [try AudioPaths.inputAudio(nil, in: context, usage: usage)]
            : try rest.map { try AudioPaths.inputAudio($0, in: context, usage: usage) }
        let folder = try options["out"].map { AudioPaths.url($0, in: context) } ?? AudioPaths.outputFolder(in: context)
        var artifacts: [Artifact] = []
        for input in inputs {
            let clip = try library { try AudioFile.read(input) }
            let (speech, encoding) = try library { try model.resynthesize(clip, sourceDurations: durations == "source") }
            let output = folder.appendingPathComponent(input.deletingPathExtension().lastPathComponent + ".resynth.wav")
            try library { try AudioFile.write(speech, to: output) }
            context.print(String(format: "resynthesised %@ (%.2f s) through %d units, %@ durations, voice %@: %.2f s",
                                 input.lastPathComponent, clip.duration, encoding.units.count, durations,
                                 model.config.targetVoice, speech.duration))
            context.print("wav: \(output.path)")
            context.state.lastOutputs["wav"] = output.path
            artifacts.append(Artifact(.audio, output, title: "resynthesised \(input.lastPathComponent)"))
        }
        return CommandResult(artifacts: artifacts)
    }

    /// `model=PATH` on encode and resynth: loads that units model first (as `load units PATH`).
    private func loadModel(_ word: String, in context: CommandContext) throws {
        let folder = UnitsCommands.modelFolder(word, in: context)
        context.state.setUnitsModel(try library { try UnitsModel.load(from: folder) }, folder: folder)
    }

    // MARK: evaluate

    private func evaluate(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let usage = "units evaluate manifest=FILE out=DIR [model=PATH] [kinds=LIST] [scorer=PATH] [griffin_lim_iterations=N]"
        let parsed = try CommandOptions(words, specs: ["manifest", "out", "model", "kinds", "scorer", "griffin_lim_iterations"].map { OptionSpec($0) },
                                        usage: usage)
        guard parsed.positional.isEmpty, let manifest = parsed["manifest"], let out = parsed["out"] else { throw WorkbenchError.usage(usage) }
        if let folder = parsed["model"] { try loadModel(folder, in: context) }
        let model = try context.state.unitsModel()
        if let iterations = try parsed.int("griffin_lim_iterations", in: 1...10_000) { model.griffinLimIterations = iterations }
        let scorer = AudioPaths.url(parsed["scorer"] ?? "plugins/asr-score/asr_score.py", in: context)
        var evaluation = UnitsIntelligibility(scorer: scorer)
        if let kinds = parsed["kinds"] {
            evaluation.kinds = try kinds.split(separator: ",").map { name in
                guard let kind = UnitsIntelligibility.Kind(rawValue: String(name)) else {
                    throw WorkbenchError.invalidArgument("kinds= takes a comma-separated list of \(UnitsIntelligibility.Kind.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
                }
                return kind
            }
        }
        let manifestURL = AudioPaths.url(manifest, in: context)
        let report = try library {
            try evaluation.run(model: model, manifest: manifestURL, folder: AudioPaths.url(out, in: context)) { context.print($0) }
        }
        context.print(String(format: "units: %d in the model; %.1f units/s, %.2f units per unit-language word",
                             model.kmeans.clusters, report.unitsPerSecond, report.unitsPerWord))
        return .ok
    }

    /// Up to 40 numbers, then how many more.
    static func list(_ values: [Int32], limit: Int = 40) -> String {
        let shown = values.prefix(limit).map(String.init).joined(separator: " ")
        return values.count > limit ? shown + " … (\(values.count - limit) more)" : shown
    }
}

/// Runs a library call, turning its errors into shell errors with the same message.
func library<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as WorkbenchError { throw error } catch { throw WorkbenchError.failed("\(error)") }
}
