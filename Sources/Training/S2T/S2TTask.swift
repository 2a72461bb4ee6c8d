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

    public init(states: [Float], frames: Int, transcript: [Int32], prefix: [Int32], suffix: [Int32], answer: [Int32]) {
        self.states = states; self.frames = frames; self.transcript = transcript
        self.prefix = prefix; self.suffix = suffix; self.answer = answer
    }
}

/// The modules S2T trains together: the speech side in full, the LLM through its LoRA adapters.
public final class S2TStack: Module {
    public let speech: S2TModel
    public let llm: LlamaModel
    public init(speech: S2TModel, llm: LlamaModel) { self.speech = speech; self.llm = llm }
}

/// EchoX stage I as a task of the trainer framework: CE on the answer given the speech in place of
/// the question's text, plus `ctcWeight` · CTC of the transcript on the adapter's frames.
public final class S2TTask: GradientTask {
    public let stack: S2TStack
    public let examples: [S2TExample]
    public let batch: Int
    public let ctcWeight: Float
    /// Ids back to text for `show sample`.
    public let decode: (([Int32]) -> String)?

    public init(speech: S2TModel, llm: LlamaModel, examples: [S2TExample], batch: Int, ctcWeight: Float = 0.3,
                decode: (([Int32]) -> String)? = nil) throws {
        guard speech.config.llmDim == llm.config.dim, speech.config.vocabSize == llm.config.vocabSize else {
            throw TrainingError("the S2T adapter (width \(speech.config.llmDim), vocabulary \(speech.config.vocabSize)) does not fit the LLM (\(llm.config.dim), \(llm.config.vocabSize))")
        }
        let usable = examples.filter { $0.frames >= 1 && !$0.answer.isEmpty && $0.states.count == $0.frames * speech.config.encoderDim }
        guard !usable.isEmpty else { throw TrainingError("no S2T example has encoder states and an answer to train on") }
        guard batch >= 1 else { throw TrainingError("the batch must hold at least one example") }
        stack = S2TStack(speech: speech, llm: llm)
        self.examples = usable
        self.batch = batch
        self.ctcWeight = ctcWeight
        self.decode = decode
    }

    public var name: String { "s2t" }
    public var model: Module { stack }

    public func loss(rng: inout SeededRandom) throws -> TaskLoss {
        let items = (0..<batch).map { _ in examples[rng.int(below: examples.count)] }
        let (speech, llm) = (stack.speech, stack.llm)
        let e = speech.config.encoderDim, c = llm.config.dim
        // Encoder states padded to the longest item: [B, T, E].
        let longest = items.map(\.frames).max()!
        let states = Tensor(zeros: [items.count, longest, e])
        for (b, item) in items.enumerated() {
            item.states.withUnsafeBufferPointer { (states.data + b * longest * e).update(from: $0.baseAddress!, count: item.frames * e) }
        }
        let output = try speech(states, lengths: items.map(\.frames), tokenEmbeddings: llm.embedding.weight)
        let ctc = try speech.ctcLoss(output, transcripts: items.map(\.transcript))

        // Each item's input: prefix, its speech embeddings, suffix, answer but its last token; the
        // answer is the only target. Items are padded at the end (causal attention never looks there).
        var rows: [Tensor] = [], targets: [[Int32]] = []
        for (b, item) in items.enumerated() {
            let spoken = output.embeddings.slice(axis: 0, start: b, length: 1).slice(axis: 1, start: 0, length: output.lengths[b])
            let tail = item.suffix + item.answer.dropLast()
            let input = Tensor.concat([llm.embed(item.prefix, shape: [1, item.prefix.count]), spoken,
                                       llm.embed(tail, shape: [1, tail.count])].filter { $0.shape[1] > 0 }, axis: 1)
            let before = item.prefix.count + output.lengths[b] + item.suffix.count - 1
            rows.append(input)
            targets.append(Array(repeating: -100, count: before) + item.answer)
        }
        let length = rows.map { $0.shape[1] }.max()!
        let inputs = Tensor.concat(rows.map { $0.shape[1] < length ? $0.padded(axis: 1, before: 0, after: length - $0.shape[1]) : $0 }, axis: 0)
        let flatTargets = targets.flatMap { $0 + Array(repeating: -100, count: length - $0.count) }
        // The LM head only at the answer's positions: [N, V] for the N answer tokens of the batch.
        let answerRows = flatTargets.indices.filter { flatTargets[$0] != -100 }
        let hidden = llm.hiddenStates(embeddings: inputs).reshaped([items.count * length, c])
        let logits = llm.logits(hidden: hidden.indexSelect(axis: 0, answerRows))
        let ce = logits.crossEntropy(targets: answerRows.map { flatTargets[$0] })
        let total = ce + ctc * ctcWeight
        let decode = self.decode, vocab = llm.config.vocabSize
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
        }
    }

    public func describe() -> [(String, String)] {
        let s = stack.speech.config, l = stack.llm.config
        return [("speech", "adapter \(s.stack)×\(s.encoderDim) → \(s.llmDim), CTC over \(s.vocabSize) + blank, LookBack \(s.lookBackHeads) heads"),
                ("llm", "Llama \(l.layers) layers × \(l.dim)"),
                ("data", "\(examples.count) spoken questions, batch \(batch), loss CE + \(ctcWeight)·CTC")]
    }
}
