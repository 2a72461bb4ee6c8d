import Audio
import Foundation
import Formats
import Models
import Optim
import Tensor
import Units

/// One corpus utterance for units training.
public struct UnitsTrainingSample: Sendable {
    public var audio: URL
    public var text: String
    public var voice: String
    public init(audio: URL, text: String, voice: String) { self.audio = audio; self.text = text; self.voice = voice }
}

/// Settings of units training.
public struct UnitsPipelineConfig: Codable, Equatable, Sendable {
    public var encoder = SpeechEncoderConfig()
    public var encoderTraining = SpeechEncoderTrainingConfig()
    public var unitLayer = 2
    public var clusters = 128
    /// Frames sampled (from all voices) for k-means.
    public var kmeansFrames = 120_000
    public var languageVocabulary = 1024
    public var vocoder = UnitVocoderConfig(units: 128)
    public var vocoderTraining = UnitVocoderTrainingConfig()
    public var targetVoice = "flite:slt"
    public var seed: UInt64 = 0
    public init() {}

    /// The file in a model folder that records the settings it is trained with.
    public static let settingsFile = "training-config.json"
}

/// Units training as one job of the trainer framework, in stages: speech encoder (CTC steps),
/// k-means (one step), unit language (one step), vocoder and duration predictor (steps). Each
/// finished stage writes its file into the model folder; the running stage's state is the job's
/// checkpoint. Steps are numbered across the stages, and each stage's losses carry its name.
public final class UnitsTrainingJob: TrainingJob {
    public enum Stage: String, CaseIterable, Sendable { case encoder, kmeans, language, vocoder, durations, done }

    public let config: UnitsPipelineConfig
    public let folder: URL
    public var spec: JobSpec?
    public private(set) var stage: Stage = .encoder
    public let samples: [UnitsTrainingSample]
    let encoder: SpeechEncoder
    let vocoder: UnitVocoder
    let durations: UnitDurationPredictor
    var kmeans: KMeansModel?
    var language: UnitLanguage?
    /// The running gradient stage.
    var trainer: GradientTrainer?
    var features: [(logMel: Spectrogram, normalized: [Float])]?
    var targetUnits: [[Int32]]?
    var vocoderData: VocoderData?

    /// Opens the job for `folder`: stages whose files are there are loaded, the first missing one runs next.
    /// A folder trained with other settings is an error (the stages would mix two models).
    public init(config: UnitsPipelineConfig, samples: [UnitsTrainingSample], folder: URL, spec: JobSpec? = nil) throws {
        guard !samples.isEmpty else { throw TrainingError("the corpus is empty: build one with `corpus synth`") }
        guard samples.contains(where: { $0.voice == config.targetVoice }) else {
            throw TrainingError("no utterance of the target voice \(config.targetVoice) in the corpus: synthesise some with `corpus synth <text> voices=\(config.targetVoice)`")
        }
        self.config = config
        self.samples = samples
        self.folder = folder
        self.spec = spec
        var vocoderConfig = config.vocoder
        vocoderConfig.units = config.clusters
        encoder = try SpeechEncoder(config.encoder, seed: config.seed)
        vocoder = try UnitVocoder(vocoderConfig, seed: config.seed &+ 7)
        durations = try UnitDurationPredictor(vocoderConfig, seed: config.seed &+ 9)
        if try Self.progress(of: config, in: folder) == .none {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try AtomicFile.write(try Self.json(config), to: file(UnitsPipelineConfig.settingsFile))
        }
        try loadFinishedStages()
    }

    public enum Progress { case none, partial, finished }

    /// What `folder` holds for `config`: nothing yet, a training to go on with, or a finished model.
    public static func progress(of config: UnitsPipelineConfig, in folder: URL) throws -> Progress {
        let settings = folder.appendingPathComponent(UnitsPipelineConfig.settingsFile)
        guard let data = FileManager.default.contents(atPath: settings.path) else { return .none }
        guard let saved = try? JSONDecoder().decode(UnitsPipelineConfig.self, from: data), saved == config else {
            throw TrainingError("\(folder.path) holds a units model trained with other settings: give another output folder, or delete that one to retrain")
        }
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent(UnitsModel.configFile).path) ? .finished : .partial
    }

    func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

    /// Steps each stage takes; a stage that is done counts all of its steps.
    func length(of stage: Stage) -> Int {
        switch stage {
        case .encoder: return config.encoderTraining.steps
        case .kmeans, .language: return 1
        case .vocoder: return config.vocoderTraining.steps
        case .durations: return config.vocoderTraining.durationSteps
        case .done: return 0
        }
    }

    public var name: String { "units" }
    public var isFinished: Bool { stage == .done }
    public var completedSteps: Int {
        let before = Stage.allCases.prefix { $0 != stage }.reduce(0) { $0 + length(of: $1) }
        return before + (trainer?.completedSteps ?? 0)
    }
    public var lastSample: TrainingSample? { trainer?.lastSample }

    public func apply(settings: TrainingSettings) throws { try trainer?.apply(settings: settings) }

    public func describe() -> [(String, String)] {
        var lines: [(String, String)] = [("stage", "\(stage.rawValue) (encoder → kmeans → language → vocoder → durations)"),
                                         ("folder", folder.path), ("corpus", "\(samples.count) utterances, target voice \(config.targetVoice)")]
        if let trainer { lines += trainer.describe() }
        return lines
    }

    // MARK: Stages

    /// Loads the files of finished stages and sets `stage` to the first one still to run.
    func loadFinishedStages() throws {
        stage = .encoder
        guard exists(UnitsModel.encoderFile) else { return }
        try UnitsWeights.load(encoder, from: file(UnitsModel.encoderFile))
        encoder.eval()
        stage = .kmeans
        guard exists(UnitsModel.kmeansFile) else { return }
        kmeans = try UnitsModel.loadKMeans(file(UnitsModel.kmeansFile))
        stage = .language
        guard exists(UnitsModel.languageFile) else { return }
        language = try UnitsModel.loadLanguage(file(UnitsModel.languageFile))
        stage = .vocoder
        guard exists(UnitsModel.vocoderFile) else { return }
        try UnitsWeights.load(vocoder, from: file(UnitsModel.vocoderFile))
        stage = .durations
        guard exists(UnitsModel.durationsFile) else { return }
        try UnitsWeights.load(durations, from: file(UnitsModel.durationsFile))
        stage = exists(UnitsModel.configFile) ? .done : .durations
        if stage == .durations { trainer = nil; try finishDurations() }
    }

    /// Log-mel of every utterance (for the vocoder) and its normalised frames (for the encoder), once.
    func utteranceFeatures() throws -> [(logMel: Spectrogram, normalized: [Float])] {
        if let features { return features }
        let extractor = try LogMel()
        let computed = try samples.map { try SpeechFeatures.compute(try AudioFile.read($0.audio, sampleRate: 16_000), extractor: extractor) }
        features = computed
        return computed
    }

    /// The trainer of a gradient stage, built when the stage starts.
    func stageTrainer() throws -> GradientTrainer {
        if let trainer { return trainer }
        let made: GradientTrainer
        switch stage {
        case .encoder:
            let f = try utteranceFeatures()
            let utterances = samples.indices.map { EncoderUtterance(features: f[$0].normalized, frames: f[$0].logMel.frames, labels: CTCAlphabet.labels(samples[$0].text)) }
            let task = try SpeechEncoderTask(encoder: encoder, batchFrames: config.encoderTraining.batchFrames, utterances: utterances)
            made = GradientTrainer(task: task, config: config.encoderTraining.optimization(seed: config.seed))
        case .vocoder:
            made = GradientTrainer(task: UnitVocoderTask(vocoder: vocoder, data: try targetVoiceData(), config: config.vocoderTraining),
                                   config: config.vocoderTraining.optimization(steps: config.vocoderTraining.steps, seed: config.seed &+ 10))
        case .durations:
            var optimization = config.vocoderTraining.optimization(steps: config.vocoderTraining.durationSteps, seed: config.seed &+ 22)
            optimization.gradientClip = .infinity
            made = GradientTrainer(task: UnitDurationTask(predictor: durations, data: try targetVoiceData(), config: config.vocoderTraining),
                                   config: optimization)
        case .kmeans, .language, .done:
            throw TrainingError("the \(stage.rawValue) stage has no gradient trainer")
        }
        trainer = made
        return made
    }

    /// Units and log-mel of the target voice's utterances (after k-means).
    func targetVoiceData() throws -> VocoderData {
        if let vocoderData { return vocoderData }
        let f = try utteranceFeatures()
        guard let kmeans else { throw TrainingError("k-means is not trained yet") }
        let targets = samples.indices.filter { samples[$0].voice == config.targetVoice }
        let units = try targets.map {
            try UnitExtraction.frameUnits(normalized: f[$0].normalized, frames: f[$0].logMel.frames, encoder: encoder,
                                          layer: config.unitLayer, kmeans: kmeans)
        }
        targetUnits = units
        let data = try VocoderData(utterances: zip(targets, units).map { VocoderUtterance(frameUnits: $1, logMel: f[$0].logMel.values) },
                                   vocoder: vocoder, config: config.vocoderTraining)
        vocoderData = data
        return data
    }

    public func step() throws -> StepReport {
        switch stage {
        case .encoder, .vocoder, .durations:
            let trainer = try stageTrainer()
            let inner = try trainer.step()
            var report = StepReport(step: 0, losses: [:], gradNorm: inner.gradNorm, tokens: inner.tokens, learningRate: inner.learningRate)
            for (key, value) in inner.losses {
                report.losses[key == "loss" ? "loss" : "\(stage.rawValue)_\(key)"] = value
            }
            if trainer.isFinished { report.notes.append(try finishGradientStage()) }
            report.step = completedSteps
            return report
        case .kmeans:
            let (inertia, note) = try fitKMeans()
            return StepReport(step: completedSteps, losses: ["kmeans_inertia": inertia], notes: [note])
        case .language:
            let (unitsPerWord, note) = try trainLanguage()
            return StepReport(step: completedSteps, losses: ["language_units_per_word": unitsPerWord], notes: [note])
        case .done:
            throw TrainingError("units training is finished: the model is in \(folder.path) (`load units \(folder.path)`)")
        }
    }

    /// Writes the finished gradient stage's weights and moves to the next stage.
    func finishGradientStage() throws -> String {
        let finished = stage
        switch stage {
        case .encoder:
            try UnitsWeights.save(encoder, to: file(UnitsModel.encoderFile))
            encoder.eval()
            stage = .kmeans
        case .vocoder:
            try UnitsWeights.save(vocoder, to: file(UnitsModel.vocoderFile))
            vocoder.eval()
            stage = .durations
        case .durations:
            try UnitsWeights.save(durations, to: file(UnitsModel.durationsFile))
            try finishDurations()
        default: break
        }
        trainer = nil
        return "\(finished.rawValue): trained, written to \(folder.path)"
    }

    /// Calibrates predicted durations against the target voice and writes the model's config: done.
    func finishDurations() throws {
        durations.eval()
        if targetUnits == nil { _ = try targetVoiceData() }
        var vocoderConfig = config.vocoder
        vocoderConfig.units = config.clusters
        var modelConfig = UnitsModelConfig(encoder: config.encoder, unitLayer: config.unitLayer, vocoder: vocoderConfig,
                                           targetVoice: config.targetVoice)
        modelConfig.durationScale = try UnitDurationCalibration.scale(durations, frameUnits: targetUnits ?? [])
        try AtomicFile.write(try Self.json(modelConfig), to: file(UnitsModel.configFile))
        stage = .done
    }

    /// k-means over encoder-layer frames sampled from all voices.
    func fitKMeans() throws -> (Double, String) {
        let f = try utteranceFeatures()
        var rng = SeededRandom(seed: config.seed &+ 5)
        var order = Array(samples.indices)
        order.shuffle(using: &rng)
        var rows: [Float] = [], count = 0
        for i in order where count < config.kmeansFrames {
            let h = try encoder.layerFeatures(features: f[i].normalized, frames: f[i].logMel.frames, layer: config.unitLayer)
            rows += UnsafeBufferPointer(start: h.data, count: h.count)
            count += h.shape[0]
        }
        let dimension = rows.count / max(count, 1)
        var kmConfig = KMeansConfig(clusters: config.clusters, seed: config.seed)
        kmConfig.lloydIterations = 10
        let (model, report) = try rows.withUnsafeBufferPointer {
            try KMeans.fit($0.baseAddress!, count: count, dimension: dimension, config: kmConfig)
        }
        try model.save(to: file(UnitsModel.kmeansFile))
        kmeans = model
        stage = .language
        return (report.finalInertia, String(format: "k-means: %d units from %d frames, inertia %.3g", config.clusters, count, report.finalInertia))
    }

    /// The unit language over the target voice's deduplicated unit sequences.
    func trainLanguage() throws -> (Double, String) {
        _ = try targetVoiceData()
        let sequences = (targetUnits ?? []).map { UnitSequence.deduplicate($0).units }
        let (trained, report) = try UnitLanguage.train(sequences, baseUnits: config.clusters,
                                                       config: UnitLanguageConfig(vocabularySize: config.languageVocabulary, minimumCount: 3))
        try trained.save(to: file(UnitsModel.languageFile))
        language = trained
        stage = .vocoder
        let perWord = report.statistics.unitsPerWord
        return (perWord, String(format: "unit language: %d words, %.2f units per word (%@)", trained.vocabularySize, perWord, report.stopReason))
    }

    // MARK: State

    public func saveState(to url: URL) throws {
        if let trainer { try trainer.saveState(to: url); return }
        // Between gradient stages the files in the folder are the whole state.
        try TrainingCheckpoint.save(parameters: [], optimizer: AdamW(groups: []),
                                    contents: .init(step: completedSteps, generators: [:], fields: ["job": stage.rawValue]), to: url)
    }

    public func loadState(from url: URL) throws {
        let saved: String?
        do { saved = try Safetensors.read(url).metadata["field.job"] } catch {
            throw TrainingError("\(url.path) cannot be read (\(error)): delete it to restart the running stage")
        }
        guard let saved, let savedStage = Stage(rawValue: saved) else {
            throw TrainingError("\(url.path) is not a units training state: delete it to restart the running stage")
        }
        let order = Stage.allCases
        if order.firstIndex(of: savedStage)! < order.firstIndex(of: stage)! { return }   // that stage finished since
        guard savedStage == stage else {
            throw TrainingError("\(url.path) is from the \(saved) stage, but the \(stage.rawValue) stage's file is missing in \(folder.path): delete the run's checkpoint to retrain from there")
        }
        if [.encoder, .vocoder, .durations].contains(stage) { try stageTrainer().loadState(from: url) }
    }

    /// The trained model, once the job is finished.
    public func model() throws -> UnitsModel {
        guard isFinished else { throw TrainingError("units training is at the \(stage.rawValue) stage: train it to the end first") }
        return try UnitsModel.load(from: folder)
    }

    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }
}
