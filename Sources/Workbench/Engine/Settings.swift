import Foundation
import Training

// MARK: - Values and specs

/// A typed setting value.
public enum SettingValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case word(String)

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return formatNumber(v)
        case .word(let v): return v
        }
    }
}

/// The type and allowed range of one setting, with its default and help line.
public struct SettingSpec: Sendable {
    public enum Kind: Sendable {
        case int(ClosedRange<Int>)
        case double(ClosedRange<Double>)
        case choice([String])
    }
    public var key: String
    public var kind: Kind
    public var defaultValue: SettingValue
    public var help: String

    public init(_ key: String, _ kind: Kind, default defaultValue: SettingValue, help: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// Parses and validates text typed by the user.
    public func parse(_ text: String) throws -> SettingValue {
        switch kind {
        case .int(let range):
            guard let v = Int(text) else { throw WorkbenchError.invalidArgument("\(key) takes a whole number, not '\(text)'") }
            guard range.contains(v) else { throw WorkbenchError.invalidArgument("\(key) must be in \(range.lowerBound)…\(range.upperBound), not \(v)") }
            return .int(v)
        case .double(let range):
            guard let v = Double(text), v.isFinite else { throw WorkbenchError.invalidArgument("\(key) takes a number, not '\(text)'") }
            guard range.contains(v) else { throw WorkbenchError.invalidArgument("\(key) must be in \(formatNumber(range.lowerBound))…\(formatNumber(range.upperBound)), not \(text)") }
            return .double(v)
        case .choice(let words):
            guard words.contains(text) else { throw WorkbenchError.invalidArgument("\(key) is one of \(words.joined(separator: "|")), not '\(text)'") }
            return .word(text)
        }
    }

    /// Words Tab offers for the value.
    public var suggestions: [String] {
        if case .choice(let words) = kind { return words }
        return []
    }
}

// MARK: - Settings

extension Settings: TrainingSettings {}

/// Typed settings of one session (`set key value`); other modules add their own specs.
public struct Settings: Sendable {
    public private(set) var specs: [String: SettingSpec] = [:]
    private var values: [String: SettingValue] = [:]
    /// Keys the user set with `set` (the others hold their defaults).
    public private(set) var chosenKeys: Set<String> = []

    public init(specs: [SettingSpec] = Settings.standardSpecs) {
        for spec in specs { declare(spec) }
    }

    /// The settings every session has.
    public static let standardSpecs: [SettingSpec] = [
        SettingSpec("seed", .int(0...Int(Int32.max)), default: .int(0), help: "random seed for data order and initialisation"),
        SettingSpec("lr", .double(1e-9...10), default: .double(1e-3), help: "learning rate"),
        SettingSpec("batch", .int(1...1_000_000), default: .int(8), help: "examples per step"),
        SettingSpec("plot.terminal", .choice(["png", "dumb"]), default: .word("png"),
                    help: "png: write the PNG only; dumb: also draw the plot as text in the shell (plot units: the units on their time line)"),
        SettingSpec("plugin.timeout", .double(0.1...86_400), default: .double(120), help: "seconds before a plugin is stopped"),
        SettingSpec("chat.sampling", .choice(["greedy", "sample"]), default: .word("greedy"), help: "greedy decoding, or temperature 0.7 / top-k 40 / top-p 0.9 sampling seeded by `seed`"),
        SettingSpec("chat.max_tokens", .int(1...8192), default: .int(256), help: "most tokens one chat answer may have"),
        SettingSpec("train.max_steps", .int(1...Int(Int32.max)), default: .int(1_000_000), help: "upper bound on steps for `train until`"),
        SettingSpec("train.checkpoint_every", .int(0...Int(Int32.max)), default: .int(50),
                    help: "steps between checkpoints of the trainable state (0: only when training stops)"),
        SettingSpec("dropout", .double(0...0.9), default: .double(0), help: "residual dropout of language models made by `data` (0: none)"),
        SettingSpec("ctc_weight", .double(0...100), default: .double(0.3), help: "S2T and Echo jobs: the weight of the CTC loss in L_S2T (from the next step)"),
        SettingSpec("lambda", .double(0...100), default: .double(1), help: "Echo jobs: λ, the weight (or, adaptive, the cap) of the denoising loss"),
        SettingSpec("refresh_every", .int(1...1_000_000), default: .int(200), help: "Echo jobs: steps before a sample's pseudo-labels X', Y' are made again"),
    ]

    /// Adds a setting (or replaces its spec); its value starts at the default.
    public mutating func declare(_ spec: SettingSpec) {
        specs[spec.key] = spec
        values[spec.key] = spec.defaultValue
    }

    public var keys: [String] { specs.keys.sorted() }

    /// Validates and stores a value typed by the user.
    public mutating func set(_ key: String, to text: String) throws {
        guard let spec = specs[key] else {
            if key.hasPrefix("lr.") {
                throw WorkbenchError.invalidArgument("'\(key)' is not a parameter group of the loaded job: `lr.<group>` settings come with a stage's job (`load s2t|t2c|echo …`); known: \(keys.filter { $0.hasPrefix("lr.") }.joined(separator: ", "))")
            }
            throw WorkbenchError.invalidArgument("unknown setting '\(key)' — known: \(keys.joined(separator: ", "))")
        }
        values[key] = try spec.parse(text)
        chosenKeys.insert(key)
    }

    /// Only the settings the user chose: what a job applies to itself before steps (a default
    /// never overrides the job's own value, e.g. a stage's learning rate).
    public var chosen: TrainingSettings {
        var picked: [String: Double] = [:]
        for key in chosenKeys { if let value = double(key) { picked[key] = value } }
        return picked
    }

    public subscript(key: String) -> SettingValue? { values[key] }

    public func int(_ key: String) -> Int? {
        switch values[key] { case .int(let v): return v; case .double(let v): return Int(v); default: return nil }
    }

    public func double(_ key: String) -> Double? {
        switch values[key] { case .int(let v): return Double(v); case .double(let v): return v; default: return nil }
    }

    public func word(_ key: String) -> String? {
        if case .word(let v) = values[key] { return v }
        return nil
    }
}
