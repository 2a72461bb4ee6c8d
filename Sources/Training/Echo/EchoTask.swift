import Foundation
import Models
import NN
import Optim
import Tensor
import Units

/// One Echo training sample: a spoken question of the S2T stage and the annotated units of its target
/// answer (the target voice saying it; empty when the T2C corpus has none), which the conventional
/// ablation learns in place of echo targets.
public struct EchoExample: Sendable {
    public var question: S2TExample
    public var annotated: [Int32]
    public init(question: S2TExample, annotated: [Int32]) { self.question = question; self.annotated = annotated }
}

/// The modules Echo training holds: the speech model (speech side and the LLM's LoRA, trained by
/// L_S2T unless frozen) and the Echo model (Denoising Adapter and the decoder started from T2C).
public final class EchoStack: Module {
    public let speech: S2TModel
    public let llm: LlamaModel
    public let echo: EchoModel
    public init(speech: S2TModel, llm: LlamaModel, echo: EchoModel) { self.speech = speech; self.llm = llm; self.echo = echo }
}

/// How an Echo run weighs its losses and makes its targets.
public struct EchoLossSettings: Sendable {
    public var conventional = false
    /// λ of the denoising term, or its upper bound with `adaptive` (then λ·L_den ≤ 0.2·L_Echo).
    public var denoisingWeight: Float = 1
    public var adaptive = false
    /// 0: the speech model is frozen and L_S2T is not computed.
    public var s2tWeight: Float = 1
    public var refreshEvery = 200
    public init() {}
}

/// EchoX stage III as a task of the trainer framework. For each sample, X' is the speech model's own
/// greedy answer (decoded by the inference engine under the current LoRA) and Y' the frozen T2C's
/// greedy unit words for X'; both are cached and made again once `refreshEvery` steps old. H, the
/// LLM's final hidden states that predicted X''s tokens, comes from a teacher-forced pass without
/// dropout and without gradient (the LLM learns only from L_S2T, so its text ability is kept).
/// L = L_Echo(Y' | Adapter(H)) + λ·mean(1 − cos(Adapter(H), Emb(X'))) + s2t_weight·L_S2T.
/// Conventional: X is the target answer, Y its annotated units.
public final class EchoTask: GradientTask {
    public let stack: EchoStack
    public let examples: [EchoExample]
    public let batch: Int
    /// Loss weights and refresh (`set lambda`, `set refresh_every`; kept in the checkpoint).
    public private(set) var settings: EchoLossSettings
    /// The trained T2C, frozen: it makes Y'.
    public let labeller: T2CModel
    /// The S2T loss over the same speech model.
    let s2t: S2TTask
    /// The engine that decodes X' at engine speed.
    let decoder: S2TEngineDecoder
    let maxAnswerTokens: Int
    /// The cached pseudo-labels (part of the checkpoint) and the steps drawn so far.
    public private(set) var labels = EchoLabels()
    public private(set) var draws = 0
    /// Whether the engine's LoRA matches the training LLM's.
    private var engineSynced = false
    /// Ids back to text.
    public let decode: (([Int32]) -> String)?
    /// Text to the LLM's ids (plain text, no special tokens).
    public var encode: ((String) -> [Int32])?
    /// The units model whose vocoder speaks unit words (to listen to targets and outputs).
    public var units: UnitsModel?
    /// The checkpoint steps of the runs whose frozen weights this job reads (`s2t`, `t2c`): a resumed
    /// run must find them unchanged, or it would not go on as it stopped.
    public var sourceSteps: [String: Int] = [:]

    public init(stack: EchoStack, examples: [EchoExample], labeller: T2CModel, decoder: S2TEngineDecoder, batch: Int,
                maxAnswerTokens: Int, ctcWeight: Float, settings: EchoLossSettings, decode: (([Int32]) -> String)? = nil) throws {
        guard labeller.config == stack.echo.decoder.config else { throw TrainingError("the Echo decoder must have the T2C model's shape") }
        guard labeller.config.llmDim == stack.llm.config.dim else {
            throw TrainingError("T2C reads the LLM width \(labeller.config.llmDim), the S2T LLM has \(stack.llm.config.dim): train T2C for the S2T run's LLM")
        }
        let usable = settings.conventional ? examples.filter { !$0.annotated.isEmpty && $0.question.answerLength > 0 } : examples
        guard !usable.isEmpty else {
            throw TrainingError(settings.conventional
                ? "no spoken question has annotated units of its answer: the T2C run's corpus must speak the S2T run's answers (same LLM, questions and answer length)"
                : "no spoken question to train on")
        }
        self.stack = stack
        self.examples = usable
        self.batch = batch
        self.settings = settings
        self.labeller = labeller
        self.decoder = decoder
        self.maxAnswerTokens = maxAnswerTokens
        self.decode = decode
        s2t = try S2TTask(speech: stack.speech, llm: stack.llm, examples: usable.map(\.question), batch: batch, ctcWeight: ctcWeight)
        labeller.freeze()
        labeller.eval()
        if settings.s2tWeight == 0 { stack.speech.freeze(); stack.llm.freeze() }
    }

    public var name: String { "echo" }
    public var model: Module { stack }

    // MARK: - Targets

    /// The text and unit words a sample trains on: its echo label (made when missing or stale) or, conventional, its annotated target.
    func targets(_ indices: [Int]) throws -> [(text: [Int32], words: [Int32])] {
        if settings.conventional { return indices.map { (examples[$0].question.answerText, examples[$0].annotated) } }
        let stale = Array(Set(indices.filter { i in labels.bySample[i].map { draws - $0.step >= settings.refreshEvery } ?? true })).sorted()
        if !stale.isEmpty {
            for (i, label) in zip(stale, try makeLabels(stale)) { labels.bySample[i] = label }
        }
        return indices.map { (labels.bySample[$0]!.text, labels.bySample[$0]!.words) }
    }

    /// X' and Y' for samples under the current speech model.
    func makeLabels(_ indices: [Int]) throws -> [EchoLabel] {
        if !engineSynced || settings.s2tWeight > 0 {
            try decoder.apply(lora: try LlamaLoRAWeights(model: stack.llm))
            engineSynced = true
        }
        let items = indices.map { examples[$0].question }
        let output = try evaluating { try s2t.speechOutput(items) }
        let c = stack.llm.config.dim, table = stack.llm.embedding.weight
        return try items.indices.map { b in
            let rows = Array(UnsafeBufferPointer(start: output.embeddings.data + b * output.embeddings.shape[1] * c, count: output.lengths[b] * c))
            let text = try decoder.answer(speech: rows, maxTokens: maxAnswerTokens).tokens.map(Int32.init)
            var words: [Int32] = []
            if !text.isEmpty {
                words = try labeller.greedy(text: T2CTask.embed([text], table: table), maxWords: EchoModel.wordBudget(tokens: text.count))
            }
            return EchoLabel(text: text, words: words, step: draws)
        }
    }

    /// Runs `body` with the speech model in inference mode (no dropout, no gradient).
    func evaluating<T>(_ body: () throws -> T) rethrows -> T {
        let wasTraining = stack.speech.isTraining
        stack.speech.eval(); stack.llm.eval()
        defer { if wasTraining { stack.speech.train(); stack.llm.train() } }
        return try Autograd.noGrad(body)
    }

    // MARK: - Hidden states

    /// H [B, T, C] (the states that predicted each item's text; the residual stream after `layer`
    /// blocks when given) and Emb(X) in the same layout; detached.
    public func hiddenStates(_ items: [S2TExample], texts: [[Int32]], layer: Int? = nil) throws -> (hidden: Tensor, embeddings: Tensor) {
        try evaluating {
            let output = try s2t.speechOutput(items)
            let rows = S2TPromptBatch(items: items, speech: output, continuations: texts, llm: stack.llm).hiddenStates(stack.llm, layer: layer)
            let c = stack.llm.config.dim, longest = texts.map(\.count).max()!
            let hidden = Tensor(zeros: [items.count, longest, c])
            var offset = 0
            for (b, text) in texts.enumerated() {
                (hidden.data + b * longest * c).update(from: rows.data + offset * c, count: text.count * c)
                offset += text.count
            }
            return (hidden, T2CTask.embed(texts, table: stack.llm.embedding.weight))
        }
    }

    // MARK: - Loss

    public func loss(rng: inout SeededRandom) throws -> TaskLoss {
        draws += 1
        // Samples whose answer or speech came out empty have nothing to echo: draw again (a few times).
        var indices: [Int] = [], chosen: [(text: [Int32], words: [Int32])] = []
        for _ in 0..<8 where chosen.isEmpty {
            let drawn = (0..<batch).map { _ in rng.int(below: examples.count) }
            let targets = try targets(drawn)
            let keep = drawn.indices.filter { !targets[$0].text.isEmpty && !targets[$0].words.isEmpty }
            indices = keep.map { drawn[$0] }
            chosen = keep.map { targets[$0] }
        }
        guard !chosen.isEmpty else {
            throw TrainingError("the speech model answered none of \(8 * batch) spoken questions (or T2C said nothing): train the S2T run further first")
        }
        let items = indices.map { examples[$0].question }
        let texts = chosen.map(\.text), words = chosen.map(\.words)
        let (hidden, embeddings) = try hiddenStates(items, texts: texts)
        let echo = stack.echo
        let (echoLoss, denoising, cosine) = try echo.losses(hidden: hidden, embeddings: embeddings, lengths: texts.map(\.count), words: words)
        let gap = Autograd.noGrad { 1 - Double(cosineDistanceLoss(EchoModel.validRows(hidden, lengths: texts.map(\.count)), EchoModel.validRows(embeddings, lengths: texts.map(\.count))).item) }
        var weight = settings.denoisingWeight
        if settings.adaptive, denoising.item > 0 { weight = min(weight, 0.2 * echoLoss.item / denoising.item) }
        var total = echoLoss + denoising * weight
        var terms: [String: Double] = ["echo": Double(echoLoss.item), "denoising": Double(denoising.item), "cosine": cosine, "gap": gap]
        if settings.adaptive { terms["lambda"] = Double(weight) }
        if settings.s2tWeight > 0 {
            let s = try s2t.losses(items)
            total = total + s.total * settings.s2tWeight
            terms["s2t"] = Double(s.total.item); terms["ce"] = Double(s.ce.item); terms["ctc"] = Double(s.ctc.item)
        }
        let decode = self.decode, first = chosen[0], firstItem = items[0], annotated = examples[indices[0]].annotated
        let conventional = settings.conventional
        let show = { (ids: [Int32]) in decode?(ids) ?? ids.map(String.init).joined(separator: " ") }
        return TaskLoss(total: total, terms: terms, tokens: words.reduce(0) { $0 + $1.count }) {
            let unitWords = { (w: [Int32]) in w.map(String.init).joined(separator: " ") }
            return [.init("transcript", show(firstItem.transcript)),
                    .init(conventional ? "target answer X" : "its answer X'", show(first.text)),
                    .init(conventional ? "annotated units" : "echo target Y'", unitWords(first.words)),
                    .init("annotated units", conventional ? "(the target)" : unitWords(annotated)),
                    .init("cosines", String(format: "cos(H, Emb) %.3f, cos(Adapter(H), Emb) %.3f over the batch", gap, cosine))]
        } batch: {
            indices.indices.map { b in
                "sample \(indices[b]): \"\(show(items[b].transcript))\" → \"\(show(texts[b]))\" (\(texts[b].count) tokens, \(words[b].count) unit words)"
            }
        }
    }

    // MARK: - State

    public func apply(settings values: TrainingSettings) throws {
        if let lambda = values.double("lambda") { settings.denoisingWeight = try S2TTask.checkedWeight(lambda, "lambda") }
        if let refresh = values.int("refresh_every") {
            guard refresh >= 1 else { throw TrainingError("refresh_every must be ≥ 1 step, not \(refresh)") }
            settings.refreshEvery = refresh
        }
        try s2t.apply(settings: values)
    }

    /// `speech`, `llm` (LoRA), `echo.adapter` (the Denoising Adapter), `echo.decoder`.
    public func gradientGroup(_ parameter: String) -> String? {
        let parts = parameter.split(separator: ".")
        return parts.first == "echo" ? parts.prefix(2).joined(separator: ".") : parts.first.map(String.init)
    }

    public func savedState() -> TaskState {
        var state = labels.state
        state.fields["draws"] = String(draws)
        state.fields["lambda"] = String(settings.denoisingWeight)
        state.fields["refresh_every"] = String(settings.refreshEvery)
        state.fields["ctc_weight"] = String(s2t.ctcWeight)
        for (run, step) in sourceSteps { state.fields["\(run)_step"] = String(step) }
        return state
    }

    public func restoring(_ state: TaskState) throws -> () -> Void {
        guard let draws = state.fields["draws"].flatMap(Int.init), draws >= 0 else {
            throw TrainingError("the checkpoint lacks the Echo job's step count: it was not written by an Echo run")
        }
        for (run, step) in sourceSteps.sorted(by: { $0.key < $1.key }) {
            if let saved = state.fields["\(run)_step"].flatMap(Int.init), saved != step {
                throw TrainingError("the \(run.uppercased()) run this Echo run reads was at step \(saved) when it was checkpointed and is at step \(step) now, so the run cannot go on as it stopped: put the \(run.uppercased()) run back, or train Echo into a new run")
            }
        }
        let labels = try EchoLabels(state: state, samples: examples.count, vocabulary: stack.llm.config.vocabSize, words: labeller.config.units)
        var restored = settings
        if let lambda = state.fields["lambda"].flatMap(Float.init) { restored.denoisingWeight = lambda }
        if let refresh = state.fields["refresh_every"].flatMap(Int.init), refresh >= 1 { restored.refreshEvery = refresh }
        let ctc = state.fields["ctc_weight"].flatMap(Float.init)
        return {
            self.labels = labels; self.draws = draws; self.engineSynced = false; self.settings = restored
            if let ctc { self.s2t.ctcWeight = ctc }
        }
    }

    public func describe() -> [(String, String)] {
        let c = labeller.config, s = settings
        let loss = s.conventional ? "conventional: annotated units of the target answers" : "echo targets from T2C, remade every \(s.refreshEvery) steps"
        return [("echo", "Denoising Adapter \(c.llmDim) → \(stack.echo.adapter.up.weight.shape[0]) → \(c.llmDim), decoder \(c.layers) × \(c.dim) from T2C"),
                ("targets", loss),
                ("loss", "L_Echo + " + (s.adaptive ? "min(\(s.denoisingWeight), 0.2·L_Echo/L_den)" : "\(s.denoisingWeight)") + "·L_den"
                    + (s.s2tWeight > 0 ? " + \(s.s2tWeight)·L_S2T" : " (speech model frozen)")),
                ("data", "\(examples.count) spoken questions, batch \(batch)")]
    }
}
