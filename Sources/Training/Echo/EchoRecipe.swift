import Foundation

/// Everything an Echo run is made from (EchoX stage III): the S2T run whose speech model answers and
/// keeps learning (L_S2T), the T2C run that makes the echo targets and starts the Echo decoder, the
/// Denoising Adapter, the loss weights, how often pseudo-labels are remade, and the schedule.
/// A run keeps it as `echo.json`. `conventional` trains the same decoder on annotated units instead
/// (the target voice speaking the S2T stage's target answer): the baseline of the paper's argument.
public struct EchoRecipe: QuestionSourcedRecipe {
    public static let stage = "echo"
    public static let presetNames = ["tiny", "smollm2"]

    public var preset: String
    /// The S2T and T2C runs (names under $ECHOX_HOME/runs or paths).
    public var s2t: String
    public var t2c: String
    /// Annotated units of the target answers in place of echo targets (the ablation).
    public var conventional = false

    // MARK: Model
    /// The Denoising Adapter's inner width.
    public var adapterDim = 1_024
    public var adapterDropout: Float = 0.1

    // MARK: Loss: L = L_Echo + λ·mean(1 − cos(Adapter(H), Emb(X'))) + s2t_weight·L_S2T
    public var denoisingWeight: Float = 1
    /// The official code's weighting: the denoising term is at most 0.2 × the unit loss.
    public var adaptiveDenoising = false
    /// 0 freezes the speech model (no L_S2T; the S2T run's weights are read as they are).
    public var s2tWeight: Float = 1
    /// A sample's pseudo-labels (X', Y') are made again when they are this many steps old.
    public var refreshEvery = 200
    /// Question sources in place of the S2T run's (nil: its questions); they are spoken by its voices.
    public var questions: [String]?
    /// At most this many of the spoken questions (nil: all).
    public var questionLimit: Int?
    public var batch = 8

    // MARK: Schedule
    public var learningRate: Float = 5e-4
    public var warmupSteps = 50
    public var steps = 600
    public var weightDecay: Float = 0.01
    public var seed: UInt64 = 0

    enum CodingKeys: String, CodingKey {
        case preset, s2t, t2c, conventional, questions, batch, steps, seed
        case adapterDim = "adapter_dim", adapterDropout = "adapter_dropout", denoisingWeight = "denoising_weight"
        case adaptiveDenoising = "adaptive_denoising", s2tWeight = "s2t_weight", refreshEvery = "refresh_every"
        case questionLimit = "question_limit", learningRate = "learning_rate", warmupSteps = "warmup_steps", weightDecay = "weight_decay"
    }

    public init(preset: String, s2t: String, t2c: String) {
        self.preset = preset; self.s2t = s2t; self.t2c = t2c
    }

    /// `tiny` starts from the tiny S2T and T2C runs and trains in about two minutes: the speech model
    /// stays frozen (`s2t_weight` 0), so the demo shows the echo and denoising losses fall and the gap
    /// close on its training questions; it does not learn to speak new answers. `smollm2` is the real
    /// stage over the smollm2 runs, with L_S2T.
    public static func preset(_ name: String) throws -> EchoRecipe {
        guard presetNames.contains(name) else {
            throw TrainingError("no Echo preset '\(name)': use \(presetNames.joined(separator: " or ")), or --config FILE")
        }
        var r = EchoRecipe(preset: name, s2t: "s2t-\(name)", t2c: "t2c-\(name)")
        if name == "tiny" {
            r.adapterDim = 256
            r.batch = 4
            r.s2tWeight = 0
            r.refreshEvery = 25
            r.learningRate = 1e-3
            r.warmupSteps = 5
            r.steps = 80
        }
        return r
    }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError("Echo config: \(message)") } }
        try check(!s2t.isEmpty && !t2c.isEmpty, "`s2t` and `t2c` must name the runs Echo training starts from")
        try check((1...65_536).contains(adapterDim), "`adapter_dim` must be 1…65536")
        try check(adapterDropout >= 0 && adapterDropout < 1, "`adapter_dropout` must be in [0, 1)")
        try check(denoisingWeight >= 0 && denoisingWeight.isFinite, "`denoising_weight` (λ) must be ≥ 0")
        try check(s2tWeight >= 0 && s2tWeight.isFinite, "`s2t_weight` must be ≥ 0 (0 freezes the speech model)")
        try check((1...1_000_000).contains(refreshEvery), "`refresh_every` must be 1…1,000,000 steps")
        try check(questionLimit.map { $0 >= 1 } ?? true, "`question_limit` must be ≥ 1")
        try check(questions.map { !$0.isEmpty } ?? true, "`questions` must name at least one source (or be left out: the S2T run's)")
        try check((1...256).contains(batch), "`batch` must be 1…256")
        try check((1...1_000_000).contains(steps), "`steps` must be 1…1,000,000")
        try check(learningRate > 0 && learningRate < 1, "`learning_rate` must be in (0, 1)")
    }
}

extension EchoRecipe {
    public mutating func useQuestions(_ sources: [String], limit: Int?) {
        questions = sources
        questionLimit = limit
    }
}
