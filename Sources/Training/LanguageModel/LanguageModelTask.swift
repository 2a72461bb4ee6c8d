import Foundation
import Models
import NN
import Optim
import Tensor

/// Next-token prediction on random windows of a token stream: the language-model stage of the
/// trainer framework (from scratch, or LoRA over a frozen pretrained model).
public final class LanguageModelTask: GradientTask {
    public let llama: LlamaModel
    public let data: TokenStream
    public let batch: Int
    public let sequenceLength: Int
    /// Turns ids back into text for `show sample` (nil: ids are shown).
    public let decode: (([Int32]) -> String)?
    public let source: String
    /// Loss on the last this many positions of each sequence only (an answer after a prompt); nil: all.
    public let answerPositions: Int?

    public init(model: LlamaModel, data: TokenStream, batch: Int, sequenceLength: Int, source: String = "",
                answerPositions: Int? = nil, decode: (([Int32]) -> String)? = nil) throws {
        if let answerPositions, answerPositions < 1 || answerPositions > sequenceLength {
            throw TrainingError("the answer must be 1…\(sequenceLength) positions, not \(answerPositions)")
        }
        self.answerPositions = answerPositions
        guard batch >= 1, sequenceLength >= 1 else { throw TrainingError("batch and sequence length must be at least 1") }
        guard sequenceLength <= model.config.contextLength else {
            throw TrainingError("sequence length \(sequenceLength) exceeds the model's context of \(model.config.contextLength) positions: use a shorter one")
        }
        guard data.tokens.count > sequenceLength + 1 else {
            throw TrainingError("the text has \(data.tokens.count) tokens; training needs more than \(sequenceLength + 1) — use a longer text or a shorter sequence")
        }
        // Activations grow with batch × length × (width + vocabulary): refuse what cannot fit in memory.
        let c = model.config
        let perPosition = Double(c.layers) * Double(c.dim * 12 + c.ffnDim * 4) + Double(c.vocabSize) * 3
        let bytes = Double(batch) * Double(sequenceLength) * perPosition * 4
        let limit = Double(ProcessInfo.processInfo.physicalMemory) * 0.75
        guard bytes < limit else {
            throw TrainingError(String(format: "a batch of %d × %d tokens needs about %.1f GB of activations, more than this machine's memory allows (%.1f GB): lower `set batch` or the sequence length",
                                       batch, sequenceLength, bytes / 1e9, limit / 1e9))
        }
        llama = model
        self.data = data
        self.batch = batch
        self.sequenceLength = sequenceLength
        self.source = source
        self.decode = decode
    }

    public var name: String { "lm" }
    public var model: Module { llama }

    public func loss(rng: inout SeededRandom) throws -> TaskLoss {
        let tokens = data.sampleBatch(batch: batch, length: sequenceLength, rng: &rng)
        let t = sequenceLength
        let (inputs, targets) = LlamaModel.nextTokenPairs(tokens, batch: batch)
        // Only the answer's positions reach the output matrix: [B, A, V] (A = T without an answer length).
        let a = answerPositions ?? t
        let hidden = llama.hiddenStates(embeddings: llama.embed(inputs, shape: [batch, t]), lastPositions: a)
        let logits = llama.logits(hidden: hidden)
        let answerTargets = a < t ? (0..<batch).flatMap { targets[($0 * t + t - a)..<(($0 + 1) * t)] } : targets
        let loss = logits.crossEntropy(targets: answerTargets)
        let decode = self.decode
        let vocab = llama.config.vocabSize
        let shownInputs = inputs[(t - a)..<t], shownTargets = answerTargets[0..<a]
        return TaskLoss(total: loss, tokens: batch * t) {
            // The first sequence's scored positions: what went in, what should come next, what the model predicted.
            let predicted = (0..<a).map { Int32(Sampler.argmax(UnsafeBufferPointer(start: logits.data + $0 * vocab, count: vocab))) }
            let show = { (ids: ArraySlice<Int32>) in decode?(Array(ids)) ?? ids.map(String.init).joined(separator: " ") }
            return [.init("input", show(shownInputs)), .init("target", show(shownTargets)), .init("predicted", show(predicted[...]))]
        }
    }

    public func describe() -> [(String, String)] {
        let c = llama.config
        return [
            ("model", "Llama \(c.layers) layers × \(c.dim) wide, \(c.heads)/\(c.kvHeads) heads, vocabulary \(c.vocabSize)"
                + (c.dropout > 0 ? ", dropout \(c.dropout)" : "")),
            ("data", "\(source.isEmpty ? "tokens" : source): \(data.tokens.count) tokens"),
            ("batch", "\(batch) × \(sequenceLength) tokens"),
        ]
    }

    /// Mean loss over `batches` fixed evaluation batches (drawn from their own seed).
    public func evaluate(batches: Int = 4, seed: UInt64 = 12_345) -> Float {
        llama.eval()
        defer { llama.train() }
        var evalRng = SeededRandom(seed: seed)
        return Autograd.noGrad {
            var sum: Float = 0
            for _ in 0..<batches {
                let tokens = data.sampleBatch(batch: batch, length: sequenceLength, rng: &evalRng)
                sum += llama.languageModelLoss(tokens, batch: batch).item
            }
            return sum / Float(batches)
        }
    }
}

extension OptimizationConfig {
    /// The language-model defaults: peak 3e-3, 20 warmup steps, cosine over 300, β₂ 0.95.
    public static func languageModel() -> OptimizationConfig {
        var c = OptimizationConfig()
        c.learningRate = 3e-3
        c.beta2 = 0.95
        return c
    }
}
