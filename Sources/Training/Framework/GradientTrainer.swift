import Foundation
import NN
import Optim
import Tensor

/// Optimiser, schedule and clipping of a gradient job: the one place these are set.
public struct OptimizationConfig: Codable, Equatable, Sendable {
    public var learningRate: Float = 1e-3
    public var warmupSteps = 20
    /// Length of the cosine schedule; a job with `stopsAtTotal` also ends there.
    public var totalSteps = 300
    /// The schedule's floor as a fraction of the peak rate.
    public var minRateFraction: Float = 0.1
    public var weightDecay: Float = 0.01
    public var gradientClip: Float = 1
    /// Micro-batches whose gradients add up before one optimiser step.
    public var accumulation = 1
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    /// Seed of the data generator (batch sampling).
    public var seed: UInt64 = 0
    /// True for stages of fixed length: the job is finished after `totalSteps`.
    public var stopsAtTotal = false
    public init() {}

    /// The schedule of a stage of fixed length (the EchoX stages): it is finished after `steps`.
    public static func fixedLength(learningRate: Float, warmupSteps: Int, steps: Int, weightDecay: Float, seed: UInt64) -> OptimizationConfig {
        var o = OptimizationConfig()
        o.learningRate = learningRate
        o.warmupSteps = warmupSteps
        o.totalSteps = steps
        o.weightDecay = weightDecay
        o.seed = seed
        o.stopsAtTotal = true
        return o
    }
}

/// One loss evaluation of a task: the total to minimise and its named terms.
public struct TaskLoss {
    public var total: Tensor
    /// Named values logged for the step (`ctc`, `ce`, …); `loss` is added as the total.
    public var terms: [String: Double]
    /// Tokens, frames or examples the evaluation consumed.
    public var tokens: Int
    /// What the step looked at, for `show sample` (made only when asked for).
    public var sample: (() -> [TrainingSample.Field])?
    /// One line per item of the batch, for `show batch`.
    public var batch: (() -> [String])?
    public init(total: Tensor, terms: [String: Double] = [:], tokens: Int, sample: (() -> [TrainingSample.Field])? = nil,
                batch: (() -> [String])? = nil) {
        self.total = total; self.terms = terms; self.tokens = tokens; self.sample = sample; self.batch = batch
    }
}

/// What a gradient-trained stage supplies: its model and a loss over a batch it draws itself.
/// `GradientTrainer` does the rest (zero, forward, backward, clip, schedule, update, checkpoint).
public protocol GradientTask: AnyObject {
    /// Short name (`lm`, `encoder`, `vocoder`).
    var name: String { get }
    /// The module tree whose trainable parameters and random generators are the state.
    var model: Module { get }
    /// Parameter groups (default: matrices with weight decay, vectors without).
    func parameterGroups(weightDecay: Float) -> [ParameterGroup]
    /// The loss of one micro-batch drawn with `rng` (the job's data generator).
    func loss(rng: inout SeededRandom) throws -> TaskLoss
    /// Lines for `show params`.
    func describe() -> [(String, String)]
    /// What the task keeps besides its parameters (e.g. a pseudo-label cache), saved in every checkpoint.
    func savedState() -> TaskState
    /// Checks a checkpoint's `savedState` and returns what takes it back (run only once the rest of the
    /// checkpoint is in); throws, changing nothing, when it does not fit the task.
    func restoring(_ state: TaskState) throws -> () -> Void
    /// The group a trainable parameter's gradient norm is reported under (`grad.<group>` each step),
    /// e.g. `speech`, `llm`, `echo.adapter`; nil for all: only the total norm.
    func gradientGroup(_ parameter: String) -> String?
    /// Takes the session's settings that the task reads (`set lambda 0.5`), from the next step on; a
    /// changed value belongs in `savedState`, so a resumed run goes on with it.
    func apply(settings: TrainingSettings) throws
}

/// A task's own part of a checkpoint: named tensors and fields.
public struct TaskState {
    public var tensors: [(String, Tensor)]
    public var fields: [String: String]
    public init(tensors: [(String, Tensor)] = [], fields: [String: String] = [:]) { self.tensors = tensors; self.fields = fields }
    public var isEmpty: Bool { tensors.isEmpty && fields.isEmpty }
    public func tensor(_ name: String) -> Tensor? { tensors.first { $0.0 == name }?.1 }
}

extension GradientTask {
    public func parameterGroups(weightDecay: Float) -> [ParameterGroup] {
        ParameterGroup.decayMatrices(model.trainableParameters, weightDecay: weightDecay)
    }
    public func describe() -> [(String, String)] { [] }
    public func savedState() -> TaskState { TaskState() }
    public func apply(settings: TrainingSettings) throws {}
    public func gradientGroup(_ parameter: String) -> String? { nil }
    public func restoring(_ state: TaskState) throws -> () -> Void {
        guard state.isEmpty else {
            throw TrainingError("the checkpoint holds task state (\((state.fields.keys + state.tensors.map(\.0)).sorted().joined(separator: ", "))) that a \(name) job does not keep: resume it with the job that wrote it")
        }
        return {}
    }
}

/// The one gradient training loop: every gradient-trained stage is a `GradientTask` stepped here.
public final class GradientTrainer: TrainingJob {
    public let task: GradientTask
    public private(set) var config: OptimizationConfig
    public let optimizer: AdamW
    public private(set) var schedule: WarmupCosine
    /// Draws batches; saved with the state, so a resumed run sees the same batches.
    public var rng: SeededRandom
    public var spec: JobSpec?
    public private(set) var lastSample: TrainingSample?
    /// Build a sample every this many steps (0: never); the shell sets it when a sample is shown.
    public var sampleEvery = 1

    public init(task: GradientTask, config: OptimizationConfig, spec: JobSpec? = nil) {
        self.task = task
        self.config = config
        self.spec = spec
        optimizer = AdamW(groups: task.parameterGroups(weightDecay: config.weightDecay), learningRate: config.learningRate,
                          beta1: config.beta1, beta2: config.beta2)
        schedule = WarmupCosine(peak: config.learningRate, warmupSteps: config.warmupSteps, totalSteps: config.totalSteps,
                                minRate: config.learningRate * config.minRateFraction)
        rng = SeededRandom(seed: config.seed &+ 1)
    }

    public var name: String { task.name }
    public var completedSteps: Int { optimizer.stepCount }
    public var isFinished: Bool { config.stopsAtTotal && completedSteps >= config.totalSteps }

    /// Changes the schedule's peak rate (and its floor in proportion) from the next step on.
    public func setPeakLearningRate(_ rate: Float) {
        config.learningRate = rate
        schedule.peak = rate
        schedule.minRate = rate * config.minRateFraction
        applyGroupRates()
    }

    /// The task's parameter groups (`speech`, `llm`, `echo.adapter`, …), sorted: `set lr.<group>` names one.
    public var gradientGroups: [String] {
        Set(optimizer.parameters.compactMap { task.gradientGroup($0.0) }).sorted()
    }

    /// Peak rates of single groups (`set lr.speech 1e-4`); the other groups follow the job's peak rate.
    public private(set) var groupPeakRates: [String: Float] = [:]

    /// Gives the parameters of `group` their own peak rate (same warm-up and cosine shape) from the next step on.
    public func setPeakLearningRate(_ rate: Float, group: String) throws {
        guard gradientGroups.contains(group) else {
            throw TrainingError("the \(name) job has no parameter group '\(group)'" + (gradientGroups.isEmpty ? " (it has one rate: set lr)" : ": its groups are \(gradientGroups.joined(separator: ", "))"))
        }
        guard rate.isFinite, rate >= 0, rate < 10 else { throw TrainingError("lr.\(group) must be in 0…10, not \(rate)") }
        groupPeakRates[group] = rate
        applyGroupRates()
    }

    private func applyGroupRates() {
        optimizer.scaleRates { name in
            task.gradientGroup(name).flatMap { groupPeakRates[$0] }.map { $0 / config.learningRate } ?? 1
        }
    }

    public func apply(settings: TrainingSettings) throws {
        if let lr = settings.double("lr") { setPeakLearningRate(Float(lr)) }
        for group in gradientGroups {
            if let lr = settings.double("lr.\(group)") { try setPeakLearningRate(Float(lr), group: group) }
        }
        try task.apply(settings: settings)
    }

    /// One optimiser step over `accumulation` micro-batches.
    public func step() throws -> StepReport {
        task.model.train()
        optimizer.zeroGrad()
        var terms: [String: Double] = [:]
        var total = 0.0, tokens = 0
        var sample: (() -> [TrainingSample.Field])?
        var batch: [() -> [String]] = []
        let scale = 1 / Float(config.accumulation)
        for _ in 0..<config.accumulation {
            let loss = try task.loss(rng: &rng)
            (loss.total * scale).backward()
            total += Double(loss.total.item) * Double(scale)
            for (key, value) in loss.terms { terms[key, default: 0] += value * Double(scale) }
            tokens += loss.tokens
            sample = loss.sample ?? sample
            if let lines = loss.batch { batch.append(lines) }
        }
        let groups = Dictionary(grouping: optimizer.parameters) { task.gradientGroup($0.0) }
        for case let (group?, members) in groups { terms["grad.\(group)"] = Double(Gradients.globalNorm(members.map(\.1))) }
        let norm = Gradients.clip(optimizer.parameters.map(\.1), maxNorm: config.gradientClip)
        optimizer.learningRate = schedule.rate(at: optimizer.stepCount)
        let rate = optimizer.learningRate
        Autograd.noGrad { optimizer.step() }
        terms["loss"] = total
        let step = optimizer.stepCount
        if let sample, sampleEvery > 0, step % sampleEvery == 0 {
            lastSample = TrainingSample(step: step, fields: sample(), batch: batch.flatMap { $0() })
        }
        return StepReport(step: step, losses: terms, gradNorm: Double(norm), tokens: tokens, learningRate: Double(rate))
    }

    public func describe() -> [(String, String)] {
        let trainable = optimizer.parameters.reduce(0) { $0 + $1.1.count }
        let c = config
        return task.describe() + [
            ("parameters", "\(task.model.parameterCount) (\(trainable) trainable)"),
            ("schedule", "peak lr \(c.learningRate), warmup \(c.warmupSteps), cosine to step \(c.totalSteps)"
                + (c.accumulation > 1 ? ", accumulation \(c.accumulation)" : "")
                + groupPeakRates.sorted { $0.key < $1.key }.map { ", \($0.key) peak lr \($0.value)" }.joined()),
        ]
    }

    // MARK: State

    /// Every random generator of the job: the data generator and the model's (dropout masks).
    var generators: [String: SeededRandom] {
        var all = ["data": rng]
        for (path, module) in task.model.randomGenerators { all["module.\(path)"] = module.rng }
        return all
    }

    /// The job's name and its peak rates (`peak_lr`, `peak_lr.<group>`), kept in the checkpoint.
    private var rateFields: [String: String] {
        var fields = ["job": name, "peak_lr": String(config.learningRate)]
        for (group, rate) in groupPeakRates { fields["peak_lr.\(group)"] = String(rate) }
        return fields
    }

    public func saveState(to url: URL) throws {
        try TrainingCheckpoint.save(parameters: optimizer.parameters, optimizer: optimizer,
                                    contents: .init(step: optimizer.stepCount, generators: generators,
                                                    fields: rateFields, task: task.savedState()),
                                    to: url)
    }

    public func loadState(from url: URL) throws {
        let modules = task.model.randomGenerators
        let contents = try TrainingCheckpoint.load(parameters: optimizer.parameters, optimizer: optimizer, from: url,
                                                   checkTask: task.restoring)
        if let data = contents.generators["data"] { rng = data }
        // A rate changed during the run (`set lr`) goes on as it was.
        if let peak = contents.fields["peak_lr"].flatMap(Float.init) { setPeakLearningRate(peak) }
        for group in gradientGroups {
            if let peak = contents.fields["peak_lr.\(group)"].flatMap(Float.init) { try setPeakLearningRate(peak, group: group) }
        }
        for (path, module) in modules {
            if let saved = contents.generators["module.\(path)"] { module.rng = saved }
        }
    }
}
