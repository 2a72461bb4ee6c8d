import Foundation
import Models

/// Everything a T2C run is made from (EchoX stage II): the LLM whose token embeddings are the input,
/// the units model whose target voice speaks the texts, the texts (the answers the S2T stage learns
/// to give, so T2C later re-speaks what the speech LLM says), the decoder's sizes and the schedule.
/// A run keeps it as `t2c.json`.
public struct T2CRecipe: QuestionSourcedRecipe {
    public static let stage = "t2c"
    public static let presetNames = ["tiny", "smollm2"]

    public var preset: String
    public var llm = "smollm2"
    /// The units model (a folder in $ECHOX_HOME/models or a path) whose target voice and unit language T2C speaks.
    public var units = "units-quick"

    // MARK: Texts: the text LLM's answers to these questions (the S2T stage's targets, shared with it)
    public var questions = [S2TQuestions.webQuestionsTrain]
    public var questionLimit: Int?
    public var entityQuestions = 0
    public var answerTokens = 48

    // MARK: Model
    public var dim = 512
    public var layers = 6
    public var heads = 8
    public var ffnDim = 1536
    public var dropout: Float = 0.1
    public var batch = 16

    // MARK: Schedule
    public var learningRate: Float = 5e-4
    public var warmupSteps = 100
    public var steps = 1_500
    public var weightDecay: Float = 0.01
    public var seed: UInt64 = 0

    enum CodingKeys: String, CodingKey {
        case preset, llm, units, questions, dim, layers, heads, dropout, batch, steps, seed
        case questionLimit = "question_limit", entityQuestions = "entity_questions", answerTokens = "answer_tokens"
        case ffnDim = "ffn_dim", learningRate = "learning_rate", warmupSteps = "warmup_steps", weightDecay = "weight_decay"
    }

    public init(preset: String) { self.preset = preset }

    /// `tiny` speaks the S2T tiny preset's answers with a small decoder in minutes (it learns those
    /// answers' speech, not speech in general); `smollm2` the answers of the full S2T preset.
    public static func preset(_ name: String) throws -> T2CRecipe {
        var r = T2CRecipe(preset: name)
        switch name {
        case "tiny":
            let s2t = try S2TRecipe.preset("tiny")
            r.questionLimit = s2t.questionLimit
            r.answerTokens = s2t.answerTokens
            r.dim = 128; r.layers = 2; r.heads = 4; r.ffnDim = 344; r.dropout = 0
            r.batch = 8; r.learningRate = 2e-3; r.warmupSteps = 10; r.steps = 150
        case "smollm2":
            let s2t = try S2TRecipe.preset("smollm2")
            r.entityQuestions = s2t.entityQuestions
            r.answerTokens = s2t.answerTokens
            r.units = "units-default"
        default:
            throw TrainingError("no T2C preset '\(name)': use \(presetNames.joined(separator: " or ")), or --config FILE")
        }
        return r
    }

    /// The decoder's shape for an LLM width and a unit language.
    public func model(llmDim: Int, units: Int) -> T2CConfig {
        T2CConfig(llmDim: llmDim, units: units, dim: dim, layers: layers, heads: heads, ffnDim: ffnDim, dropout: dropout,
                  contextLength: 2048)
    }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError("T2C config: \(message)") } }
        try check(!questions.isEmpty, "`questions` names no source")
        try check(!units.isEmpty, "`units` names no units model")
        try check((1...512).contains(answerTokens), "`answer_tokens` must be 1…512")
        try check((1...4096).contains(dim) && (1...64).contains(layers) && (1...64).contains(heads), "`dim` 1…4096, `layers` 1…64, `heads` 1…64")
        try check(dim % heads == 0 && (dim / heads) % 2 == 0, "`dim` \(dim) must split into \(heads) heads of even size")
        try check((1...16_384).contains(ffnDim), "`ffn_dim` must be 1…16384")
        try check((1...256).contains(batch), "`batch` must be 1…256")
        try check((1...1_000_000).contains(steps), "`steps` must be 1…1,000,000")
        try check(learningRate > 0 && learningRate < 1, "`learning_rate` must be in (0, 1)")
        try check(dropout >= 0 && dropout < 1, "`dropout` must be in [0, 1)")
        try check((0...1_000_000).contains(entityQuestions), "`entity_questions` must be 0…1,000,000")
    }
}

extension T2CRecipe {
    public mutating func useQuestions(_ sources: [String], limit: Int?) {
        questions = sources
        questionLimit = limit
    }
}
