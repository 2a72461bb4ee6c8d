import Foundation
import Models
import Units

// MARK: - Named presets

extension UnitsPipelineConfig {
    /// Names accepted by `preset(named:)`, smallest first.
    public static let presetNames = ["tiny", "quick", "default"]

    /// A units model in a few minutes on two cores that still speaks intelligibly: the default encoder and
    /// vocoder shapes with fewer units and far fewer training steps (meant for a few hundred utterances).
    public static func quick() -> UnitsPipelineConfig {
        var c = UnitsPipelineConfig()
        c.encoderTraining.steps = 500
        c.clusters = 100
        c.kmeansFrames = 40_000
        c.languageVocabulary = 400
        c.vocoder = UnitVocoderConfig(units: c.clusters)
        c.vocoderTraining.steps = 1500
        c.vocoderTraining.durationSteps = 300
        return c
    }

    /// Tiny sizes for tests (seconds of training).
    public static func tiny() -> UnitsPipelineConfig {
        var c = UnitsPipelineConfig()
        c.encoder = .tiny()
        c.unitLayer = 2
        c.encoderTraining.steps = 20; c.encoderTraining.batchFrames = 2000
        c.clusters = 16; c.kmeansFrames = 5000; c.languageVocabulary = 40
        c.vocoder = UnitVocoderConfig(units: 16); c.vocoder.dim = 32; c.vocoder.layers = 2; c.vocoder.durationDim = 16
        c.vocoderTraining.steps = 30; c.vocoderTraining.durationSteps = 20; c.vocoderTraining.window = 32
        c.vocoderTraining.durationWindow = 8; c.vocoderTraining.batch = 4
        return c
    }

    /// The preset called `name` (`tiny`, `quick` or `default`), or an error listing the names.
    public static func preset(named name: String) throws -> UnitsPipelineConfig {
        switch name {
        case "tiny": return .tiny()
        case "quick": return .quick()
        case "default": return UnitsPipelineConfig()
        default:
            throw TrainingError("unknown units preset '\(name)': use one of \(presetNames.joined(separator: ", "))")
        }
    }
}
