import Foundation
import Training
import Units

/// `units train <corpus> [preset=…] [out=…]`: `UnitsPipeline.train` with its stage lines as progress.
enum UnitsTraining {
    static let usage = "units train <corpus> [preset=tiny|quick|default] [out=PATH]"

    static func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let (options, rest) = try AudioPaths.options(words, known: ["preset", "out"], usage: usage)
        guard rest.count == 1 else { throw WorkbenchError.usage(usage) }
        let presetName = options["preset"] ?? "quick"
        var config = try library { try UnitsPipelineConfig.preset(named: presetName) }
        config.seed = UInt64(context.state.settings.int("seed") ?? 0)
        let corpus = try CorpusCommand.corpusFolder(rest[0], in: context)
        let folder = options["out"].map { AudioPaths.url($0, in: context) }
            ?? context.state.home.appendingPathComponent("models/units-\(presetName)", isDirectory: true)

        // A finished model trained with these settings is loaded as it is.
        switch try library({ try UnitsPipeline(config: config).progress(in: folder) }) {
        case .finished:
            let model = try library { try UnitsModel.load(from: folder) }
            context.state.setUnitsModel(model, folder: folder)
            context.print("units model in \(folder.path) was trained earlier with preset \(presetName) — reused")
            context.print(UnitsCommands.describe(model, folder: folder))
            return .ok
        case .partial: context.print("resuming the units training in \(folder.path)")
        case .none: break
        }

        let entries = try library { try CorpusManifest.read(corpus) }
        let samples = entries.map {
            UnitsTrainingSample(audio: CorpusManifest.audioURL($0, manifest: corpus), text: $0.text, voice: $0.voice)
        }
        let seconds = entries.reduce(0) { $0 + $1.duration }
        context.print(String(format: "units train: preset %@, %d utterances (%.1f min of audio) from %@ → %@", presetName,
                             samples.count, seconds / 60, corpus.path, folder.path))
        let start = Date()
        let model: UnitsModel
        do {
            // Ctrl-C stops at the next step or stage boundary, with the progress saved.
            model = try UnitsPipeline(config: config).train(samples: samples, folder: folder, shouldStop: { context.isCancelled }) { line in
                context.print(String(format: "[%@] ", formatDuration(Date().timeIntervalSince(start))) + line)
            }
        } catch let stopped as UnitsTrainingStopped {
            context.print("interrupted: \(stopped)")
            return CommandResult(wasInterrupted: true)
        } catch {
            throw WorkbenchError.failed("\(error)")
        }
        context.state.setUnitsModel(model, folder: folder)
        context.print(String(format: "units model trained in %@", formatDuration(Date().timeIntervalSince(start))))
        context.print(UnitsCommands.describe(model, folder: folder))
        return .ok
    }
}
