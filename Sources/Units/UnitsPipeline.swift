import Audio
import Foundation
import Formats
import Models
import Tensor

/// One corpus utterance for units training.
public struct UnitsTrainingSample: Sendable {
    public var audio: URL
    public var text: String
    public var voice: String
    public init(audio: URL, text: String, voice: String) { self.audio = audio; self.text = text; self.voice = voice }
}

/// Settings of `echox units train`.
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

    /// Tiny sizes for tests (seconds of training).
    public static func tiny() -> UnitsPipelineConfig {
        var c = UnitsPipelineConfig()
        c.encoder = .tiny()
        c.unitLayer = 2
        c.encoderTraining.steps = 20; c.encoderTraining.batchFrames = 2000; c.encoderTraining.logInterval = 10
        c.clusters = 16; c.kmeansFrames = 5000; c.languageVocabulary = 40
        c.vocoder = UnitVocoderConfig(units: 16); c.vocoder.dim = 32; c.vocoder.layers = 2; c.vocoder.durationDim = 16
        c.vocoderTraining.steps = 30; c.vocoderTraining.durationSteps = 20; c.vocoderTraining.window = 32
        c.vocoderTraining.durationWindow = 8; c.vocoderTraining.batch = 4; c.vocoderTraining.logInterval = 10
        return c
    }
}

/// Trains a units model into a folder in stages (encoder, k-means, unit language, vocoder, durations);
/// stages whose output file exists are skipped and interrupted training stages resume from their state.
public struct UnitsPipeline {
    public var config: UnitsPipelineConfig
    public init(config: UnitsPipelineConfig) { self.config = config }

    /// The file in a model folder that records the settings it is trained with.
    public static let settingsFile = "training-config.json"

    public enum Progress { case none, partial, finished }

    /// What `folder` holds for these settings: nothing yet, a training to go on with, or a finished
    /// model. A folder trained with other settings is an error (the stages would mix two models).
    public func progress(in folder: URL) throws -> Progress {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(Self.settingsFile).path) else { return .none }
        guard let saved = try? JSONDecoder().decode(UnitsPipelineConfig.self, from: data), saved == config else {
            throw UnitsModelError("\(folder.path) holds a units model trained with other settings: give another output folder, or delete that one to retrain")
        }
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent(UnitsModel.configFile).path) ? .finished : .partial
    }

    /// Trains (or resumes, or loads) the model in `folder`. `shouldStop` is asked between stages and at
    /// every training step; when it answers yes, the running stage saves its state and
    /// `UnitsTrainingStopped` is thrown, and the same call later goes on from there.
    public func train(samples: [UnitsTrainingSample], folder: URL, shouldStop: @escaping () -> Bool = { false },
                      log: @escaping (String) -> Void) throws -> UnitsModel {
        guard !samples.isEmpty else { throw UnitsModelError("the corpus is empty: build one with `echox corpus synth`") }
        let targets = samples.filter { $0.voice == config.targetVoice }
        guard !targets.isEmpty else {
            throw UnitsModelError("no utterance of the target voice \(config.targetVoice) in the corpus: synthesise some with `echox corpus synth --voices \(config.targetVoice)`")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = { (name: String) in folder.appendingPathComponent(name) }
        var vocoderConfig = config.vocoder
        vocoderConfig.units = config.clusters
        var modelConfig = UnitsModelConfig(encoder: config.encoder, unitLayer: config.unitLayer, vocoder: vocoderConfig,
                                           targetVoice: config.targetVoice)
        _ = try progress(in: folder)
        try AtomicFile.write(try Self.json(config), to: file(Self.settingsFile))
        var clock = Date()
        func stage(_ name: String) throws {
            log(String(format: "%@ (%.1f s since the last stage)", name, Date().timeIntervalSince(clock))); clock = Date()
            if shouldStop() { throw UnitsTrainingStopped(point: "the end of “\(name)”") }
        }

        // Features of every utterance (log-mel for the vocoder, normalised for the encoder).
        let extractor = try LogMel()
        log("features: \(samples.count) utterances")
        var features = [(logMel: Spectrogram, normalized: [Float])?](repeating: nil, count: samples.count)
        for (i, sample) in samples.enumerated() {
            features[i] = try SpeechFeatures.compute(try AudioFile.read(sample.audio, sampleRate: 16_000), extractor: extractor)
        }
        try stage("features: done")

        // 1. Speech encoder (CTC on all voices).
        let encoder = try SpeechEncoder(config.encoder, seed: config.seed)
        if FileManager.default.fileExists(atPath: file(UnitsModel.encoderFile).path) {
            try UnitsTrainingState.loadWeights(encoder, from: file(UnitsModel.encoderFile))
            log("encoder: done earlier")
        } else {
            let utterances = samples.indices.map { i in
                EncoderUtterance(features: features[i]!.normalized, frames: features[i]!.logMel.frames, labels: CTCAlphabet.labels(samples[i].text))
            }
            var trainingConfig = config.encoderTraining
            trainingConfig.seed = config.seed
            let trainer = try SpeechEncoderTrainer(encoder: encoder, config: trainingConfig, utterances: utterances)
            try trainer.train(stateURL: file("encoder-state.safetensors"), shouldStop: shouldStop, log: log)
            try UnitsTrainingState.saveWeights(encoder, to: file(UnitsModel.encoderFile))
            try stage("encoder: trained")
        }
        encoder.eval()

        // 2. k-means over encoder-layer frames of all voices.
        let kmeans: KMeansModel
        if let saved = try? KMeansModel.load(from: file(UnitsModel.kmeansFile)) {
            kmeans = saved; log("k-means: done earlier")
        } else {
            var rng = SeededRandom(seed: config.seed &+ 5)
            var order = Array(samples.indices)
            order.shuffle(using: &rng)
            var rows: [Float] = [], count = 0
            for i in order where count < config.kmeansFrames {
                let h = try encoder.layerFeatures(features: features[i]!.normalized, frames: features[i]!.logMel.frames, layer: config.unitLayer)
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
            try stage(String(format: "k-means: %d units from %d frames, inertia %.3g", config.clusters, count, report.finalInertia))
        }

        // 3. Unit sequences of the target voice.
        let targetIndices = samples.indices.filter { samples[$0].voice == config.targetVoice }
        var frameUnits: [[Int32]] = []
        for i in targetIndices {
            frameUnits.append(try UnitExtraction.frameUnits(normalized: features[i]!.normalized, frames: features[i]!.logMel.frames,
                                                            encoder: encoder, layer: config.unitLayer, kmeans: kmeans))
        }
        try stage("units: \(targetIndices.count) target-voice utterances encoded")

        // 4. Unit language over the deduplicated target-voice sequences.
        let language: UnitLanguage
        if let saved = try? UnitLanguage.load(from: file(UnitsModel.languageFile)) {
            language = saved; log("unit language: done earlier")
        } else {
            let sequences = frameUnits.map { UnitSequence.deduplicate($0).units }
            let (trained, report) = try UnitLanguage.train(sequences, baseUnits: config.clusters,
                                                           config: UnitLanguageConfig(vocabularySize: config.languageVocabulary, minimumCount: 3))
            try trained.save(to: file(UnitsModel.languageFile))
            language = trained
            try stage(String(format: "unit language: %d words, %.2f units per word (%@)", trained.vocabularySize,
                         report.statistics.unitsPerWord, report.stopReason))
        }

        // 5. Vocoder and duration predictor on the target voice.
        let vocoder = try UnitVocoder(vocoderConfig, seed: config.seed &+ 7)
        let durations = try UnitDurationPredictor(vocoderConfig, seed: config.seed &+ 9)
        let vocoderDone = FileManager.default.fileExists(atPath: file(UnitsModel.vocoderFile).path)
        let durationsDone = FileManager.default.fileExists(atPath: file(UnitsModel.durationsFile).path)
        if !vocoderDone || !durationsDone {
            let utterances = zip(targetIndices, frameUnits).map { VocoderUtterance(frameUnits: $1, logMel: features[$0]!.logMel.values) }
            var trainingConfig = config.vocoderTraining
            trainingConfig.seed = config.seed
            let trainer = try UnitVocoderTrainer(config: trainingConfig, utterances: utterances, vocoder: vocoder)
            if !vocoderDone {
                try trainer.trainVocoder(vocoder, stateURL: file("vocoder-state.safetensors"), shouldStop: shouldStop, log: log)
                try UnitsTrainingState.saveWeights(vocoder, to: file(UnitsModel.vocoderFile))
                try stage("vocoder: trained")
            }
            if !durationsDone {
                try trainer.trainDurations(durations, stateURL: file("durations-state.safetensors"), shouldStop: shouldStop, log: log)
                try UnitsTrainingState.saveWeights(durations, to: file(UnitsModel.durationsFile))
                try stage("durations: trained")
            }
        }
        if durationsDone { try UnitsTrainingState.loadWeights(durations, from: file(UnitsModel.durationsFile)) }
        durations.eval()
        let scale = try UnitDurationCalibration.scale(durations, frameUnits: frameUnits)
        modelConfig.durationScale = scale
        log(String(format: "durations: scale %.3f makes predicted lengths match the target voice's", scale))
        try AtomicFile.write(try Self.json(modelConfig), to: file(UnitsModel.configFile))
        return try UnitsModel.load(from: folder)
    }

    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }
}
