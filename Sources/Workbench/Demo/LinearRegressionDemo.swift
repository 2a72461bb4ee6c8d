import Foundation
import Training

/// A demonstration training job: linear regression y = X·w + b by minibatch gradient descent on
/// synthetic data, in plain Swift. It exists so the shell, its notebooks and its tests can show
/// `step`, `train` and `plot` without loading a model.
public final class LinearRegressionDemo: TrainingJob {
    public let name = "demo-regression"
    public let samples: Int
    public let features: Int
    public private(set) var completedSteps = 0
    public private(set) var batch: Int
    public private(set) var learningRate: Double
    /// Inputs, row-major [samples × features].
    private let inputs: [Double]
    /// Targets [samples].
    private let targets: [Double]
    /// The weights the data were made with [features], and the bias.
    public let trueWeights: [Double]
    public let trueBias: Double
    /// The weights being learned [features], and the bias.
    public private(set) var weights: [Double]
    public private(set) var bias = 0.0
    private var cursor = 0

    /// Makes the data from `seed`; noise has standard deviation `noise`.
    public init(samples: Int, features: Int, seed: UInt64, noise: Double = 0.1, batch: Int = 8, learningRate: Double = 1e-3) throws {
        let (cells, overflow) = samples.multipliedReportingOverflow(by: features)
        guard samples >= 1, features >= 1, !overflow, cells <= 50_000_000 else {
            throw WorkbenchError.invalidArgument("demo-regression needs samples ≥ 1, features ≥ 1 and samples·features ≤ 5e7 (got \(samples)·\(features))")
        }
        self.samples = samples
        self.features = features
        self.batch = batch
        self.learningRate = learningRate
        var random = SplitMix64(seed: seed)
        trueWeights = (0..<features).map { _ in random.gaussian() }
        trueBias = random.gaussian()
        var x = [Double](repeating: 0, count: samples * features)
        var y = [Double](repeating: 0, count: samples)
        for i in 0..<samples {
            var dot = trueBias
            for j in 0..<features {
                let value = random.gaussian()
                x[i * features + j] = value
                dot += value * trueWeights[j]
            }
            y[i] = dot + noise * random.gaussian()
        }
        inputs = x
        targets = y
        weights = [Double](repeating: 0, count: features)
    }

    public func apply(settings: TrainingSettings) throws {
        if let value = settings.int("batch") { batch = value }
        if let value = settings.double("lr") { learningRate = value }
    }

    /// One minibatch step of mean-squared-error gradient descent (batches cycle through the data).
    public func step() throws -> StepReport {
        let count = min(batch, samples)
        var gradW = [Double](repeating: 0, count: features)
        var gradB = 0.0
        var squared = 0.0
        inputs.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                gradW.withUnsafeMutableBufferPointer { g in
                    for k in 0..<count {
                        let row = (cursor + k) % samples
                        let base = row * features
                        var prediction = bias
                        for j in 0..<features { prediction += x[base + j] * w[j] }
                        let error = prediction - targets[row]
                        squared += error * error
                        gradB += error
                        for j in 0..<features { g[j] += error * x[base + j] }
                    }
                }
            }
        }
        cursor = (cursor + count) % samples
        let scale = 2.0 / Double(count)
        var normSquared = (gradB * scale) * (gradB * scale)
        for j in 0..<features {
            let g = gradW[j] * scale
            normSquared += g * g
            weights[j] -= learningRate * g
        }
        bias -= learningRate * gradB * scale
        completedSteps += 1
        return StepReport(step: completedSteps, losses: ["loss": squared / Double(count), "weight_error": weightError],
                          gradNorm: normSquared.squareRoot(), tokens: count, learningRate: learningRate)
    }

    /// Euclidean distance between learned and true parameters (weights and bias).
    public var weightError: Double {
        var sum = (bias - trueBias) * (bias - trueBias)
        for j in 0..<features { sum += (weights[j] - trueWeights[j]) * (weights[j] - trueWeights[j]) }
        return sum.squareRoot()
    }

    public func describe() -> [(String, String)] {
        [("job", name), ("samples", "\(samples)"), ("features", "\(features)"), ("parameters", "\(features + 1)"),
         ("batch", "\(batch)"), ("lr", formatNumber(learningRate)), ("steps", "\(completedSteps)"),
         ("weight_error", formatNumber(weightError))]
    }
}

/// A small deterministic generator (SplitMix64) with Gaussian samples.
public struct SplitMix64 {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    public mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992.0 }

    /// Standard normal (Box–Muller).
    public mutating func gaussian() -> Double {
        (-2 * Foundation.log(uniform())).squareRoot() * Foundation.cos(2 * Double.pi * uniform())
    }
}
