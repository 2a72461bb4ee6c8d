import Foundation

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
        c.vocoderTraining.logInterval = 100
        return c
    }

    /// The preset called `name` (`tiny`, `quick` or `default`), or an error listing the names.
    public static func preset(named name: String) throws -> UnitsPipelineConfig {
        switch name {
        case "tiny": return .tiny()
        case "quick": return .quick()
        case "default": return UnitsPipelineConfig()
        default:
            throw UnitsModelError("unknown units preset '\(name)': use one of \(presetNames.joined(separator: ", "))")
        }
    }
}
