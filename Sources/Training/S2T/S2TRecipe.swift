import Audio
import Foundation

/// Everything an S2T run is made from: the models, the spoken questions, the model's sizes and the
/// schedule. A run keeps it as `s2t.json` (readable, one key a line), and a resumed run is rebuilt from it.
public struct S2TRecipe: QuestionSourcedRecipe {
    public static let stage = "s2t"
    /// The preset it started from (`tiny`, `smollm2`), for reports.
    public var preset: String
    /// The text LLM (a `model fetch` name or a GGUF path) and the frozen Whisper encoder.
    public var llm = "smollm2"
    public var whisper = "whisper-tiny.en"

    // MARK: Data
    /// Question sources: `webquestions-train` (shipped) or JSONL files.
    public var questions = [S2TQuestions.webQuestionsTrain]
    /// At most this many questions of the sources (nil: all).
    public var questionLimit: Int?
    /// Questions about the answers' names added to the sources (see `S2TQuestions`).
    public var entityQuestions = 0
    /// Voices that speak the questions (`flite:kal`, `espeak:en-us+f3`, `festival:kal_diphone`).
    public var voices: [String]
    /// Voices drawn for each question (without repeats).
    public var voicesPerQuestion = 2
    public var augmentation = SpeechAugmentation()
    /// Length of the text LLM's greedy answers that are the targets (the evaluation's answer length);
    /// questions are asked as the evaluation asks them (the chat template's default system prompt).
    public var answerTokens = 48

    // MARK: Model
    public var loraRank = 8
    public var loraAlpha: Float = 16
    public var loraTargets = ["q", "v"]
    public var dropout: Float = 0.1
    public var ctcWeight: Float = 0.3
    /// Steps of CTC alone at the start (no LLM pass, a fraction of a full step's time), counted in the
    /// schedule's `steps`; 0: the full loss from the first step, as the paper trains.
    public var ctcWarmupSteps = 0
    /// One of every this many adapter frames is kept besides CTC shrinking's (0: CTC's alone, the paper's).
    public var keepEvery = 0
    /// Start the speech embeddings at the RMS of the LLM's token embeddings (else at LayerNorm's scale, 1).
    public var matchEmbeddingScale = false
    public var batch = 8

    // MARK: Schedule
    public var learningRate: Float = 5e-4
    public var warmupSteps = 50
    public var steps = 1_000
    public var weightDecay: Float = 0.01
    public var seed: UInt64 = 0

    enum CodingKeys: String, CodingKey {
        case preset, llm, whisper, questions, voices, augmentation, dropout, batch, steps, seed
        case questionLimit = "question_limit", entityQuestions = "entity_questions", voicesPerQuestion = "voices_per_question"
        case answerTokens = "answer_tokens", loraRank = "lora_rank", loraAlpha = "lora_alpha"
        case loraTargets = "lora_targets", ctcWeight = "ctc_weight", ctcWarmupSteps = "ctc_warmup_steps", keepEvery = "keep_every", matchEmbeddingScale = "match_embedding_scale", learningRate = "learning_rate", warmupSteps = "warmup_steps"
        case weightDecay = "weight_decay"
    }

    public init(preset: String, voices: [String]) {
        self.preset = preset
        self.voices = voices
    }

    // MARK: Presets

    /// The preset names.
    public static let presetNames = ["tiny", "smollm2"]

    /// A preset: `tiny` is a few-minute teaching demo, `smollm2` the real stage.
    public static func preset(_ name: String) throws -> S2TRecipe {
        switch name {
        case "tiny":
            // 48 questions in two voices, short answers, 40 steps: the losses fall and it starts to answer
            // the questions it heard as the text LLM does; it does not generalise to new questions.
            var r = S2TRecipe(preset: name, voices: ["flite:kal", "espeak:en-us"])
            r.questionLimit = 48
            r.voicesPerQuestion = 2
            r.answerTokens = 12
            r.batch = 4
            r.keepEvery = 4
            r.learningRate = 2e-3
            r.warmupSteps = 5
            r.steps = 40
            return r
        case "smollm2":
            var r = S2TRecipe(preset: name, voices: allVoices)
            r.entityQuestions = 2_000
            r.voicesPerQuestion = 2
            r.batch = 8
            r.keepEvery = 4
            r.steps = 600        // 3.5–5.5 s a step on 2 cores (machine-dependent): the steps fit in an hour
            return r
        default:
            throw TrainingError("no S2T preset '\(name)': use \(presetNames.joined(separator: " or ")), or --config FILE")
        }
    }

    /// Every English voice of the installed engines that no evaluation holds out (the QA evaluation's
    /// voice is Festival's ked_diphone; the target voice of the speech side, flite's slt, is fine to hear).
    public static let allVoices = [
        "flite:kal", "flite:awb", "flite:rms", "flite:slt",
        "espeak:en-us", "espeak:en-us+f3", "espeak:en-gb", "espeak:en-gb+f2", "espeak:en-gb-scotland",
        "espeak:en-gb-x-rp+m3", "espeak:en-gb-x-gbclan", "espeak:en-gb-x-gbcwmd+f4", "espeak:en-029",
        "festival:kal_diphone",
    ]

    /// Throws unless the settings make a run.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError("S2T config: \(message)") } }
        try check(!questions.isEmpty, "`questions` names no source")
        try check(!voices.isEmpty, "`voices` is empty")
        try check((1...voices.count).contains(voicesPerQuestion), "`voices_per_question` must be 1…\(voices.count)")
        try check((1...512).contains(answerTokens), "`answer_tokens` must be 1…512")
        try check((1...256).contains(batch), "`batch` must be 1…256")
        try check((1...1_000_000).contains(steps), "`steps` must be 1…1,000,000")
        try check((1...256).contains(loraRank), "`lora_rank` must be 1…256")
        try check(learningRate > 0 && learningRate < 1, "`learning_rate` must be in (0, 1)")
        try check(dropout >= 0 && dropout < 1, "`dropout` must be in [0, 1)")
        try check(ctcWeight >= 0, "`ctc_weight` must be ≥ 0")
        try check((0..<steps).contains(ctcWarmupSteps), "`ctc_warmup_steps` must be 0…\(steps - 1): fewer than `steps`, so the LLM learns too")
        try check((0...64).contains(keepEvery), "`keep_every` must be 0…64 (0: CTC shrinking alone)")
        try check((0...1_000_000).contains(entityQuestions), "`entity_questions` must be 0…1,000,000")
        let known = Set(["q", "k", "v", "o", "gate", "up", "down"])
        try check(!loraTargets.isEmpty && loraTargets.allSatisfy(known.contains), "`lora_targets` must name projections among q, k, v, o, gate, up, down")
        for voice in voices { _ = try SpeechVoice(parsing: voice) }
        try augmentation.validate()
    }
}

extension S2TRecipe {
    public mutating func useQuestions(_ sources: [String], limit: Int?) {
        questions = sources
        questionLimit = limit
    }
}
