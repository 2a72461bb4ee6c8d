import Foundation
import Models
import NN
import Optim
import Tensor

/// One spoken question for S2T training: the frozen encoder's states, the transcript (CTC target)
/// and the chat prompt around the audio, with the answer the LLM must give.
public struct S2TExample: Sendable {
    /// Encoder states [T, E] (computed once per utterance and cached).
    public var states: [Float]
    public var frames: Int
    /// LLM token ids of what was said.
    public var transcript: [Int32]
    /// Prompt tokens before the audio (system turn, start of the user turn) and after it (end of the
    /// user turn, start of the assistant's).
    public var prefix: [Int32]
    public var suffix: [Int32]
    /// The answer's tokens, ending with the end-of-turn token.
    public var answer: [Int32]
    /// The answer's text tokens: the first `answerLength` of `answer` (the rest end the turn).
    public var answerLength: Int
    /// The recording, when it is a file (for listening to a sample).
    public var audio: URL?

    public init(states: [Float], frames: Int, transcript: [Int32], prefix: [Int32], suffix: [Int32], answer: [Int32], answerLength: Int? = nil) {
        self.states = states; self.frames = frames; self.transcript = transcript
        self.prefix = prefix; self.suffix = suffix; self.answer = answer
        self.answerLength = min(answerLength ?? answer.count, answer.count)
    }

    /// The answer's text tokens, without the end of the turn.
    public var answerText: [Int32] { Array(answer.prefix(answerLength)) }
}

/// The modules S2T trains together: the speech side in full, the LLM through its LoRA adapters.
public final class S2TStack: Module {
    public let speech: S2TModel
    public let llm: LlamaModel
    public init(speech: S2TModel, llm: LlamaModel) { self.speech = speech; self.llm = llm }
}

/// EchoX stage I as a task of the trainer framework: CE on the answer given the speech in place of
/// the question's text, plus `ctcWeight` · CTC of the transcript on the adapter's frames. The first
/// `ctcWarmup` micro-batches may train the speech side on CTC alone (an ASR warm-up): without the
/// LLM's 30 layers they cost a fraction of a full step, so the adapter hears many more questions before
/// the LLM learns to read it.
public final class S2TTask: GradientTask {
    public let stack: S2TStack
    public let examples: [S2TExample]
    public let batch: Int
    /// The CTC term's weight (`set ctc_weight`; kept in the checkpoint).
    public internal(set) var ctcWeight: Float
    /// Micro-batches of CTC alone before the full loss, and the micro-batches drawn so far (kept in
    /// the checkpoint, so a resumed run knows its phase).
    public let ctcWarmup: Int
    public private(set) var draws = 0
    /// Ids back to text for `show sample`.
    public let decode: (([Int32]) -> String)?

    public init(speech: S2TModel, llm: LlamaModel, examples: [S2TExample], batch: Int, ctcWeight: Float = 0.3,
                ctcWarmup: Int = 0, decode: (([Int32]) -> String)? = nil) throws {
        guard speech.config.llmDim == llm.config.dim, speech.config.vocabSize == llm.config.vocabSize else {
            throw TrainingError("the S2T adapter (width \(speech.config.llmDim), vocabulary \(speech.config.vocabSize)) does not fit the LLM (\(llm.config.dim), \(llm.config.vocabSize))")
        }
        let usable = examples.filter { $0.frames >= 1 && !$0.answer.isEmpty && $0.states.count == $0.frames * speech.config.encoderDim }
        guard !usable.isEmpty else { throw TrainingError("no S2T example has encoder states and an answer to train on") }
        guard batch >= 1 else { throw TrainingError("the batch must hold at least one example") }
        guard ctcWarmup >= 0 else { throw TrainingError("the CTC warm-up must be ≥ 0 micro-batches, not \(ctcWarmup)") }
        self.ctcWarmup = ctcWarmup
        stack = S2TStack(speech: speech, llm: llm)
        self.examples = usable
        self.batch = batch
        self.ctcWeight = ctcWeight
        self.decode = decode
    }

    public var name: String { "s2t" }
    public var model: Module { stack }

    /// The speech side's output for items: their encoder states padded to the longest, [B, T, E].
    public func speechOutput(_ items: [S2TExample]) throws -> S2TOutput {
        let speech = stack.speech, e = speech.config.encoderDim
        let longest = items.map(\.frames).max()!
        let states = Tensor(zeros: [items.count, longest, e])
        for (b, item) in items.enumerated() {
            item.states.withUnsafeBufferPointer { (states.data + b * longest * e).update(from: $0.baseAddress!, count: item.frames * e) }
        }
        return try speech(states, lengths: items.map(\.frames), tokenEmbeddings: stack.llm.embedding.weight)
    }

    /// The S2T loss of items: CE on each answer given its speech, and CTC of the transcripts.
    public func losses(_ items: [S2TExample]) throws -> (total: Tensor, ce: Tensor, ctc: Tensor, logits: Tensor, output: S2TOutput) {
        let llm = stack.llm
        let output = try speechOutput(items)
        let ctc = try stack.speech.ctcLoss(output, transcripts: items.map(\.transcript))
        // The answer is the only target; the LM head only at its positions: [N, V] for the N answer tokens.
        let answers = items.map(\.answer)
        let logits = llm.logits(hidden: S2TPromptBatch(items: items, speech: output, continuations: answers, llm: llm).hiddenStates(llm))
        let ce = logits.crossEntropy(targets: answers.flatMap { $0 })
        return (ce + ctc * ctcWeight, ce, ctc, logits, output)
    }

    /// Whether the next micro-batch trains CTC alone.
    public var warmingUp: Bool { draws < ctcWarmup }

    public func loss(rng: inout SeededRandom) throws -> TaskLoss {
        let items = (0..<batch).map { _ in examples[rng.int(below: examples.count)] }
        defer { draws += 1 }
        if warmingUp { return try warmUpLoss(items) }
        let (total, ce, ctc, logits, output) = try losses(items)
        let decode = self.decode, vocab = stack.llm.config.vocabSize
        let firstCount = items[0].answer.count
        return TaskLoss(total: total, terms: ["ce": Double(ce.item), "ctc": Double(ctc.item)],
                        tokens: items.reduce(0) { $0 + $1.answer.count }) {
            // The first item: what was said, the answer it should give, what the model predicts there.
            let predicted = (0..<firstCount).map {
                Int32(Sampler.argmax(UnsafeBufferPointer(start: logits.data + $0 * vocab, count: vocab)))
            }
            let show = { (ids: [Int32]) in decode?(ids) ?? ids.map(String.init).joined(separator: " ") }
            return [.init("transcript", show(items[0].transcript)), .init("target", show(items[0].answer)),
                    .init("predicted", show(predicted)), .init("speech frames", "\(output.frameLengths[0]) → \(output.lengths[0]) kept")]
        } batch: {
            items.indices.map { b in
                "\"\(decode?(items[b].transcript) ?? "")\" — \(output.frameLengths[b]) → \(output.lengths[b]) frames kept, answer of \(items[b].answer.count) tokens"
            }
        }
    }

    /// The warm-up's loss: CTC of the transcripts, no LLM pass.
    func warmUpLoss(_ items: [S2TExample]) throws -> TaskLoss {
        let output = try speechOutput(items)
        let ctc = try stack.speech.ctcLoss(output, transcripts: items.map(\.transcript))
        let decode = self.decode, blank = stack.speech.config.blank
        let show = { (ids: [Int32]) in decode?(ids) ?? ids.map(String.init).joined(separator: " ") }
        return TaskLoss(total: ctc, terms: ["ctc": Double(ctc.item)], tokens: items.reduce(0) { $0 + $1.transcript.count }) {
            [.init("phase", "CTC warm-up (\(self.ctcWarmup) micro-batches)"), .init("transcript", show(items[0].transcript)),
             .init("heard (CTC)", show(CTCGreedy.collapse(output.bestPaths[0], blank: blank))),
             .init("speech frames", "\(output.frameLengths[0]) → \(output.lengths[0]) kept")]
        } batch: {
            items.indices.map { b in "\"\(decode?(items[b].transcript) ?? "")\" — \(output.frameLengths[b]) frames, heard \"\(show(CTCGreedy.collapse(output.bestPaths[b], blank: blank)))\"" }
        }
    }

    public func apply(settings: TrainingSettings) throws {
        if let weight = settings.double("ctc_weight") { ctcWeight = try Self.checkedWeight(weight, "ctc_weight") }
    }

    static func checkedWeight(_ value: Double, _ name: String) throws -> Float {
        guard value.isFinite, value >= 0 else { throw TrainingError("\(name) must be a number ≥ 0, not \(value)") }
        return Float(value)
    }

    public func savedState() -> TaskState { TaskState(fields: ["ctc_weight": String(ctcWeight), "draws": String(draws)]) }

    /// `speech` (the adapter, CTC head and LookBack) and `llm` (its LoRA adapters).
    public func gradientGroup(_ parameter: String) -> String? { parameter.split(separator: ".").first.map(String.init) }

    public func restoring(_ state: TaskState) throws -> () -> Void {
        let weight = try state.fields["ctc_weight"].map { text -> Float in
            guard let value = Float(text), value.isFinite, value >= 0 else { throw TrainingError("the checkpoint's ctc_weight '\(text)' is not a weight") }
            return value
        }
        guard state.tensors.isEmpty, Set(state.fields.keys).isSubset(of: ["ctc_weight", "draws"]) else {
            throw TrainingError("the checkpoint holds task state an S2T job does not keep: resume it with the job that wrote it")
        }
        let drawn = try state.fields["draws"].map { text -> Int in
            guard let value = Int(text), value >= 0 else { throw TrainingError("the checkpoint's draws '\(text)' is not a count") }
            return value
        }
        // Written before the count was kept: only a run without a warm-up can say where it is.
        guard drawn != nil || ctcWarmup == 0 else {
            throw TrainingError("the checkpoint does not say how many micro-batches it drew, so a CTC warm-up cannot resume from it: train into a new run")
        }
        return {
            if let weight { self.ctcWeight = weight }
            if let drawn { self.draws = drawn }
        }
    }

    public func describe() -> [(String, String)] {
        let s = stack.speech.config, l = stack.llm.config
        return [("speech", "adapter \(s.stack)×\(s.encoderDim) → \(s.llmDim), CTC over \(s.vocabSize) + blank, LookBack \(s.lookBackHeads) heads"),
                ("llm", "Llama \(l.layers) layers × \(l.dim)"),
                ("data", "\(examples.count) spoken questions, batch \(batch), loss CE + \(ctcWeight)·CTC")]
    }
}
