import Audio
import Formats
import Foundation
import Training
import Units

/// `units train <corpus>[,<corpus>…] [options]` and `load units-training …`: units training as a job of
/// the trainer framework, with the same options in both.
enum UnitsTraining {
    static let usage = "units train <corpus>[,<corpus>…] [preset=tiny|quick|default] [out=PATH] [target_voice=V] [units=K] [unit_layer=L] [encoder_steps=N] [vocoder_steps=N] [duration_steps=N] [vocabulary=N] [encoder_dropout=P] [seed=N]"
    static let options = ["preset", "out", "corpus", "target_voice", "units", "unit_layer", "encoder_steps", "vocoder_steps",
                          "duration_steps", "vocabulary", "encoder_dropout", "seed"].map { OptionSpec($0) }

    /// Builds the job from the words (without training it) and makes it the session's job; its run is
    /// `units-<folder>`, resumed when it has a checkpoint.
    static func load(_ words: [String], in context: CommandContext) throws -> UnitsTrainingJob {
        let parsed = try CommandOptions(words, specs: options, usage: usage)
        let corpora = parsed.positional + (parsed["corpus"].map { [$0] } ?? [])
        guard corpora.count == 1 else { throw WorkbenchError.usage(usage) }
        var spec = parsed.values
        spec["corpus"] = try corpora[0].split(separator: ",").map { try CorpusCommand.corpusFolder(String($0), in: context).path }.joined(separator: ",")
        let preset = spec["preset"] ?? "quick"
        spec["preset"] = preset
        spec["out"] = (parsed["out"].map { AudioPaths.url($0, in: context) }
            ?? context.state.home.appendingPathComponent("models/units-\(preset)", isDirectory: true)).path
        if spec["seed"] == nil { spec["seed"] = String(context.state.settings.int("seed") ?? 0) }
        let job = try build(JobSpec(kind: "units", options: spec), context: context)
        let folderName = job.folder.lastPathComponent
        let runName = folderName.hasPrefix("units") ? folderName : "units-" + folderName
        let run = try library { try RunDirectory(name: runName, root: context.state.runsRoot) }
        if run.hasCheckpoint, (try? run.readSpec()) == job.spec, !job.isFinished {
            context.state.closeMetrics()
            try library { try run.resume(job) }
            context.print("resuming the units training in \(job.folder.path) at step \(job.completedSteps) (\(job.stage.rawValue))")
        }
        context.state.run = run
        context.state.job = job
        return job
    }

    /// The job of a spec: the one place options become a units configuration.
    static func build(_ spec: JobSpec, context: CommandContext) throws -> UnitsTrainingJob {
        let o = try CommandOptions(spec.options.map { "\($0.key)=\($0.value)" }, specs: options, usage: usage)
        var config = try library { try UnitsPipelineConfig.preset(named: o["preset"] ?? "quick") }
        if let v = try o.int("units", in: 2...4096) { config.clusters = v }
        if let v = try o.int("unit_layer", in: 0...64) { config.unitLayer = v }
        if let v = try o.int("vocabulary", in: 1...1_000_000) { config.languageVocabulary = v }
        if let v = try o.int("encoder_steps", in: 1...10_000_000) { config.encoderTraining.steps = v }
        if let v = try o.int("vocoder_steps", in: 1...10_000_000) { config.vocoderTraining.steps = v }
        if let v = try o.int("duration_steps", in: 1...10_000_000) { config.vocoderTraining.durationSteps = v }
        if let v = try o.double("encoder_dropout", in: 0...0.9) { config.encoder.dropout = Float(v) }
        if let v = o["target_voice"] { config.targetVoice = try library { try SpeechVoice.list(v) }.first?.description ?? v }
        config.seed = UInt64(try o.int("seed", in: 0...Int(Int32.max)) ?? 0)
        guard let corpus = o["corpus"], let out = o["out"] else { throw WorkbenchError.usage(usage) }
        var samples: [UnitsTrainingSample] = []
        for folder in corpus.split(separator: ",").map({ URL(fileURLWithPath: String($0), isDirectory: true) }) {
            samples += try library { try CorpusManifest.read(folder) }.map {
                UnitsTrainingSample(audio: CorpusManifest.audioURL($0, manifest: folder), text: $0.text, voice: $0.voice)
            }
        }
        return try library { try UnitsTrainingJob(config: config, samples: samples, folder: URL(fileURLWithPath: out, isDirectory: true), spec: spec) }
    }

    /// Rebuilds a units job from the spec of its run (for `load run`).
    static func rebuild(_ spec: JobSpec, context: CommandContext) throws -> TrainingJob {
        try build(spec, context: context)
    }

    /// `units train …`: loads the job and trains it to the end (or to Ctrl-C, with its progress saved).
    static func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let job = try load(words, in: context)
        if job.isFinished {
            let model = try library { try job.model() }
            context.state.setUnitsModel(model, folder: job.folder)
            context.print("units model in \(job.folder.path) was trained earlier with these settings — reused")
            context.print(UnitsCommands.describe(model, folder: job.folder))
            return .ok
        }
        context.print("units train: \(job.samples.count) utterances → \(job.folder.path), stage \(job.stage.rawValue), run \(context.state.run!.name)")
        let start = Date()
        let outcome = try ShellTraining.run(job, maxSteps: Int.max, context: context, label: "units")
        guard outcome.finished else {
            context.print(ShellTraining.summary(outcome, requested: nil) + " — the same command goes on from there")
            return CommandResult(wasInterrupted: outcome.interrupted)
        }
        let model = try library { try job.model() }
        context.state.setUnitsModel(model, folder: job.folder)
        context.print(String(format: "units model trained in %@", formatDuration(Date().timeIntervalSince(start))))
        context.print(UnitsCommands.describe(model, folder: job.folder))
        return .ok
    }

    /// `load units-training …`: the job, ready for `step` and `train`.
    static let loader = Loader(
        kind: "units-training", usage: "units-training <corpus> [preset=…] [out=…] (the options of `units train`)",
        summary: "units training as a steppable job: step, train for N, show losses, plot encoder_ctc … (stages: encoder, kmeans, language, vocoder, durations)",
        argumentCompletion: .words(CorpusCommand.corpusNames(in: EchoXHome.corpora))
    ) { words, context in
        let job = try load(words, in: context)
        context.state.models["job"] = LoadedModel(kind: "units-training", source: job.folder.path, object: job)
        context.print("loaded units training for \(job.folder.path): stage \(job.stage.rawValue), step \(job.completedSteps); next: step, train for N")
        return .ok
    }
}
