import Audio
import Formats
import Foundation
import Training
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
    public let usage = "units train <corpus> [preset=quick] [out=PATH] | units encode [wav] | units resynth [wav] [durations=source|predicted]"
    public let summary = "train a units model on a corpus, or turn speech into units and back (encode, resynth)"
    public let help = """
        units train <corpus> [preset=tiny|quick|default] [out=PATH]
            Trains encoder, k-means units, unit language, vocoder and durations on a corpus folder (a path, or a
            name in $ECHOX_HOME/corpora made by `corpus synth`) into out= (default $ECHOX_HOME/models/units-<preset>),
            then loads it. Finished stages are reused; a finished model with the same settings is just loaded.
        units encode [wav]
            The units and unit-language words of a WAV (default: the current sample).
        units resynth [wav] [durations=source|predicted]
            Speech → units → speech in the vocoder's voice, written to runs/<run>/audio/<name>.resynth.wav.
            Durations are the input's (source, default) or the duration predictor's.
        """
    public let arguments = [ArgumentSpec("action", completion: .words(["encode", "resynth", "train"])),
                            ArgumentSpec("args", optional: true, variadic: true)]
    public init() {}

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        if index == 0 { return .words(["encode", "resynth", "train"]) }
        switch previous[0] {
        case "train": return index == 1 ? .words(CorpusCommand.corpusNames(in: EchoXHome.corpora)) : .words(UnitsPipelineConfig.presetNames.map { "preset=" + $0 } + ["out="])
        case "encode": return index == 1 ? .filePath : .none
        case "resynth": return index == 1 ? .filePath : .words(["durations=predicted", "durations=source"])
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
        default:
            throw WorkbenchError.invalidArgument("unknown units subcommand '\(action)' — use train, encode or resynth (help units)")
        }
    }

    // MARK: encode

    private func encode(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let usage = "units encode [wav]"
        guard words.count <= 1 else { throw WorkbenchError.usage(usage) }
        let model = try context.state.unitsModel()
        let url = try AudioPaths.inputAudio(words.first, in: context, usage: usage)
        let encoding = try library { try model.encode(try AudioFile.read(url)) }
        let perWord = Double(encoding.units.count) / Double(max(encoding.words.count, 1))
        context.print(String(format: "%@: %.2f s, %d frames → %d units → %d unit-language words (%.2f units per word)",
                             url.lastPathComponent, encoding.seconds, encoding.frameUnits.count, encoding.units.count,
                             encoding.words.count, perWord))
        context.print("units: " + Self.list(encoding.units))
        context.print("words: " + Self.list(encoding.words))
        context.state.lastOutputs["units"] = encoding.units.map(String.init).joined(separator: " ")
        return .ok
    }

    // MARK: resynth

    private func resynthesize(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let usage = "units resynth [wav] [durations=source|predicted]"
        let (options, rest) = try AudioPaths.options(words, known: ["durations"], usage: usage)
        guard rest.count <= 1 else { throw WorkbenchError.usage(usage) }
        let durations = options["durations"] ?? "source"
        guard durations == "source" || durations == "predicted" else {
            throw WorkbenchError.invalidArgument("durations=\(durations): use durations=source or durations=predicted")
        }
        let model = try context.state.unitsModel()
        let input = try AudioPaths.inputAudio(rest.first, in: context, usage: usage)
        let clip = try library { try AudioFile.read(input) }
        let (speech, encoding) = try library { try model.resynthesize(clip, sourceDurations: durations == "source") }
        let output = try AudioPaths.outputFolder(in: context)
            .appendingPathComponent(input.deletingPathExtension().lastPathComponent + ".resynth.wav")
        try library { try AudioFile.write(speech, to: output) }
        context.print(String(format: "resynthesised %@ (%.2f s) through %d units, %@ durations, voice %@: %.2f s",
                             input.lastPathComponent, clip.duration, encoding.units.count, durations,
                             model.config.targetVoice, speech.duration))
        context.print("wav: \(output.path)")
        context.state.lastOutputs["wav"] = output.path
        return CommandResult(artifacts: [Artifact(.audio, output, title: "resynthesised \(input.lastPathComponent)")])
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
