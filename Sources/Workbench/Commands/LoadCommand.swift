import Foundation

/// One thing `load` can load: `load <kind> [args…]`.
public struct Loader {
    public var kind: String
    public var usage: String
    public var summary: String
    /// Completion of the arguments after the kind.
    public var argumentCompletion: CompletionKind
    public var load: ([String], CommandContext) throws -> CommandResult

    public init(kind: String, usage: String, summary: String, argumentCompletion: CompletionKind = .none,
                load: @escaping ([String], CommandContext) throws -> CommandResult) {
        self.kind = kind
        self.usage = usage
        self.summary = summary
        self.argumentCompletion = argumentCompletion
        self.load = load
    }
}

/// `load <kind> …`: loads a model or a training job; other modules add loaders (`lm`, `s2t`, …).
public final class LoadCommand: WorkbenchCommand {
    public let name = "load"
    public var usage: String { "load <kind> [args…]   kinds: " + loaders.keys.sorted().joined(separator: ", ") }
    public let summary = "load a model or a training job into the session"
    public var help: String {
        loaders.values.sorted { $0.kind < $1.kind }.map { "load \($0.usage)\n    \($0.summary)" }.joined(separator: "\n")
    }
    public var arguments: [ArgumentSpec] { [ArgumentSpec("kind", completion: .words(loaders.keys.sorted())), ArgumentSpec("args", optional: true, variadic: true)] }
    public private(set) var loaders: [String: Loader] = [:]

    public init(loaders: [Loader] = [LoadCommand.demoRegression]) {
        for loader in loaders { register(loader) }
    }

    public func register(_ loader: Loader) { loaders[loader.kind] = loader }

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        if index == 0 { return .words(loaders.keys.sorted()) }
        return loaders[previous[0]]?.argumentCompletion ?? .none
    }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard let kind = words.first else { throw WorkbenchError.usage(usage) }
        guard let loader = loaders[kind] else {
            throw WorkbenchError.invalidArgument("cannot load '\(kind)' — known kinds: \(loaders.keys.sorted().joined(separator: ", "))")
        }
        return try loader.load(Array(words.dropFirst()), context)
    }

    /// `load demo-regression [samples=N] [features=F] [noise=S]`: the demonstration job.
    public static let demoRegression = Loader(
        kind: "demo-regression", usage: "demo-regression [samples=2000] [features=16] [noise=0.1]",
        summary: "a linear-regression job on synthetic data (seeded by `set seed`), to try step/train/plot",
        argumentCompletion: .words(["features=", "noise=", "samples="])
    ) { words, context in
        var options = ["samples": 2000.0, "features": 16.0, "noise": 0.1]
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, options[parts[0]] != nil, let value = Double(parts[1]), value.isFinite, value >= 0, value <= 1e9 else {
                throw WorkbenchError.invalidArgument("cannot read '\(word)' — use samples=N, features=N, noise=X")
            }
            options[parts[0]] = value
        }
        let settings = context.state.settings
        let job = try LinearRegressionDemo(samples: Int(options["samples"]!), features: Int(options["features"]!),
                                           seed: UInt64(settings.int("seed") ?? 0), noise: options["noise"]!,
                                           batch: settings.int("batch") ?? 8, learningRate: settings.double("lr") ?? 1e-3)
        context.state.job = job
        context.state.models["job"] = LoadedModel(kind: job.name, source: "synthetic, seed \(settings.int("seed") ?? 0)", object: job)
        context.print("loaded demo-regression: \(job.samples) samples × \(job.features) features")
        return .ok
    }
}
