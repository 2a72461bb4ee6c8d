import Audio
import Foundation
import Models
import Tensor

/// Settings of a units model: which encoder layer feeds k-means, and every part's shape.
public struct UnitsModelConfig: Codable, Equatable, Sendable {
    public var encoder: SpeechEncoderConfig
    /// Encoder layer whose output is clustered (0 = subsampled input, encoder.layers = last).
    public var unitLayer: Int
    public var vocoder: UnitVocoderConfig
    /// Voice the vocoder speaks in (the corpus voice it was trained on).
    public var targetVoice: String
    public var griffinLimIterations = 48
    /// Factor on predicted durations (see `UnitDurationCalibration`); absent in older models (1).
    public var durationScale: Float?
    public init(encoder: SpeechEncoderConfig, unitLayer: Int, vocoder: UnitVocoderConfig, targetVoice: String) {
        self.encoder = encoder; self.unitLayer = unitLayer; self.vocoder = vocoder; self.targetVoice = targetVoice
    }
}

/// Speech turned into units: 50 Hz frame units, the deduplicated sequence with durations, and unit-language words.
public struct UnitEncoding: Sendable, Equatable {
    public var frameUnits: [Int32]
    public var units: [Int32]
    public var durations: [Int32]
    public var words: [Int32]
    /// Seconds of audio encoded.
    public var seconds: Double
}

/// A trained units model folder: `config.json`, `encoder.safetensors`, `kmeans.bin`, `unit-language.json`,
/// `vocoder.safetensors`, `durations.safetensors`. Turns speech into units and units back into speech.
public final class UnitsModel {
    public let config: UnitsModelConfig
    public let encoder: SpeechEncoder
    public let kmeans: KMeansModel
    public let language: UnitLanguage
    public let vocoder: UnitVocoder
    public let durationPredictor: UnitDurationPredictor
    /// Phase-retrieval iterations of `synthesize` (from the config; may be changed).
    public var griffinLimIterations: Int
    let extractor: LogMel

    public static let configFile = "config.json", encoderFile = "encoder.safetensors", kmeansFile = "kmeans.bin"
    public static let languageFile = "unit-language.json", vocoderFile = "vocoder.safetensors", durationsFile = "durations.safetensors"

    public init(config: UnitsModelConfig, encoder: SpeechEncoder, kmeans: KMeansModel, language: UnitLanguage,
                vocoder: UnitVocoder, durationPredictor: UnitDurationPredictor) throws {
        guard kmeans.clusters == config.vocoder.units, language.baseUnits == kmeans.clusters else {
            throw UnitsModelError("k-means (\(kmeans.clusters) units), unit language (\(language.baseUnits)) and vocoder (\(config.vocoder.units)) disagree: retrain the model")
        }
        self.config = config; self.encoder = encoder; self.kmeans = kmeans; self.language = language
        self.vocoder = vocoder; self.durationPredictor = durationPredictor
        griffinLimIterations = config.griffinLimIterations
        extractor = try LogMel()
        encoder.eval(); vocoder.eval(); durationPredictor.eval()
    }

    /// Loads a model folder written by `UnitsPipeline`.
    public static func load(from folder: URL) throws -> UnitsModel {
        let configURL = folder.appendingPathComponent(configFile)
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw UnitsModelError("no units model at \(folder.path) (missing \(configFile)): train one with `units train <corpus> out=\(folder.path)`")
        }
        let config = try JSONDecoder().decode(UnitsModelConfig.self, from: data)
        let encoder = try SpeechEncoder(config.encoder)
        try UnitsWeights.load(encoder, from: folder.appendingPathComponent(encoderFile))
        let vocoder = try UnitVocoder(config.vocoder)
        try UnitsWeights.load(vocoder, from: folder.appendingPathComponent(vocoderFile))
        let durations = try UnitDurationPredictor(config.vocoder)
        try UnitsWeights.load(durations, from: folder.appendingPathComponent(durationsFile))
        return try UnitsModel(config: config, encoder: encoder, kmeans: try loadKMeans(folder.appendingPathComponent(kmeansFile)),
                              language: try loadLanguage(folder.appendingPathComponent(languageFile)),
                              vocoder: vocoder, durationPredictor: durations)
    }

    /// The k-means file of a model folder; a damaged one is an error naming the command that rebuilds it.
    public static func loadKMeans(_ url: URL) throws -> KMeansModel {
        do { return try KMeansModel.load(from: url) } catch { throw UnitsModelError.damaged(url, error) }
    }

    /// The unit-language file of a model folder, checked like `loadKMeans`.
    public static func loadLanguage(_ url: URL) throws -> UnitLanguage {
        do { return try UnitLanguage.load(from: url) } catch { throw UnitsModelError.damaged(url, error) }
    }

    // MARK: - Speech → units

    /// Units of a clip (any rate; resampled to 16 kHz).
    public func encode(_ clip: AudioClip) throws -> UnitEncoding {
        let (mel, normalized) = try SpeechFeatures.compute(clip, extractor: extractor)
        let frameUnits = try UnitExtraction.frameUnits(normalized: normalized, frames: mel.frames, encoder: encoder,
                                                       layer: config.unitLayer, kmeans: kmeans)
        let (units, durations) = UnitSequence.deduplicate(frameUnits)
        return UnitEncoding(frameUnits: frameUnits, units: units, durations: durations,
                            words: try language.encode(units), seconds: clip.duration)
    }

    // MARK: - Units → speech

    /// The sample rate of the speech it makes.
    public var sampleRate: Int { extractor.config.sampleRate }

    /// Speech for deduplicated units; `durations` (unit frames) default to the duration predictor's.
    public func synthesize(units: [Int32], durations: [Int32]? = nil) throws -> AudioClip {
        guard !units.isEmpty else { throw UnitsModelError("no units to synthesise") }
        let lengths = try durations ?? durationPredictor.durations(units, scale: config.durationScale ?? 1)
        let frames = try UnitSequence.expand(units: units, durations: lengths)
        let mel = try Spectrogram(tensor: try vocoder.logMel(frameUnits: frames))
        let samples = try GriffinLim(iterations: griffinLimIterations).reconstruct(logMel: mel, extractor: extractor)
        return AudioClip(samples: samples, sampleRate: extractor.config.sampleRate)
    }

    /// Speech for unit-language words (durations predicted).
    public func synthesize(words: [Int32]) throws -> AudioClip {
        try synthesize(units: try language.decode(words))
    }

    /// Speech → units → speech; with `sourceDurations` the units keep the durations measured in the input.
    public func resynthesize(_ clip: AudioClip, sourceDurations: Bool) throws -> (AudioClip, UnitEncoding) {
        let encoding = try encode(clip)
        return (try synthesize(units: encoding.units, durations: sourceDurations ? encoding.durations : nil), encoding)
    }
}

/// Frame features → unit ids.
public enum UnitExtraction {
    /// Frame-level units (50 Hz) of normalised log-mel frames.
    public static func frameUnits(normalized: [Float], frames: Int, encoder: SpeechEncoder, layer: Int,
                                  kmeans: KMeansModel) throws -> [Int32] {
        let features = try encoder.layerFeatures(features: normalized, frames: frames, layer: layer)
        guard features.shape[1] == kmeans.dimension else {
            throw UnitsModelError("encoder layer width \(features.shape[1]) differs from the k-means dimension \(kmeans.dimension)")
        }
        return try kmeans.assign(features)
    }
}
