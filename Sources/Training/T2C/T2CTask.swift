import Foundation
import Models
import NN
import Tensor

/// One T2C example: a text as the LLM's tokens and the target voice speaking it as unit-language words.
public struct T2CExample: Sendable, Equatable {
    /// The LLM's token ids of the text (an answer as the LLM generated it).
    public var tokens: [Int32]
    /// Unit-language words of the target voice saying the text.
    public var words: [Int32]
    public init(tokens: [Int32], words: [Int32]) { self.tokens = tokens; self.words = words }
}

/// EchoX stage II as a task of the trainer framework: CE on the unit words given the text's frozen
/// LLM token embeddings (through the decoder's trained adapter).
public final class T2CTask: GradientTask {
    public let t2c: T2CModel
    /// The LLM's token embeddings [V, E], frozen.
    public let tokenEmbeddings: Tensor
    public let examples: [T2CExample]
    public let batch: Int
    /// Ids back to text for `show sample`.
    public let decode: (([Int32]) -> String)?

    public init(t2c: T2CModel, tokenEmbeddings: Tensor, examples: [T2CExample], batch: Int, decode: (([Int32]) -> String)? = nil) throws {
        guard tokenEmbeddings.rank == 2, tokenEmbeddings.shape[1] == t2c.config.llmDim else {
            throw TrainingError("the token embeddings \(tokenEmbeddings.shape) do not fit the T2C adapter (width \(t2c.config.llmDim))")
        }
        let vocabulary = tokenEmbeddings.shape[0]
        let usable = examples.filter {
            !$0.tokens.isEmpty && !$0.words.isEmpty && $0.tokens.allSatisfy { $0 >= 0 && Int($0) < vocabulary }
                && $0.tokens.count + $0.words.count + 1 <= t2c.config.contextLength
        }
        guard !usable.isEmpty else { throw TrainingError("no T2C example has both a text and its speech to train on") }
        guard batch >= 1 else { throw TrainingError("the batch must hold at least one example") }
        self.t2c = t2c
        self.tokenEmbeddings = tokenEmbeddings
        self.examples = usable
        self.batch = batch
        self.decode = decode
    }

    public var name: String { "t2c" }
    public var model: Module { t2c }

    /// Token embeddings [B, T, E] of texts, each padded with zeros to the longest.
    public static func embed(_ texts: [[Int32]], table: Tensor) -> Tensor {
        let e = table.shape[1], longest = texts.map(\.count).max() ?? 0
        let out = Tensor(zeros: [texts.count, longest, e])
        for (b, tokens) in texts.enumerated() {
            for (i, token) in tokens.enumerated() {
                (out.data + (b * longest + i) * e).update(from: table.data + Int(token) * e, count: e)
            }
        }
        return out
    }

    public func loss(rng: inout SeededRandom) throws -> TaskLoss {
        let items = (0..<batch).map { _ in examples[rng.int(below: examples.count)] }
        let text = Self.embed(items.map(\.tokens), table: tokenEmbeddings)
        let (logits, targets) = try t2c.logits(text: text, textLengths: items.map(\.tokens.count), words: items.map(\.words))
        let ce = logits.crossEntropy(targets: targets)
        let (decode, classes) = (self.decode, t2c.config.vocabSize)
        let first = items[0]
        return TaskLoss(total: ce, terms: ["ce": Double(ce.item)], tokens: targets.count) {
            // The first item: its text, the words it should say, the words predicted there (teacher-forced).
            let predicted = (0..<first.words.count).map {
                Int32(Sampler.argmax(UnsafeBufferPointer(start: logits.data + $0 * classes, count: classes)))
            }
            let right = zip(predicted, first.words).filter { $0 == $1 }.count
            return [.init("text", decode?(first.tokens) ?? first.tokens.map(String.init).joined(separator: " ")),
                    .init("target words", first.words.map(String.init).joined(separator: " ")),
                    .init("predicted", predicted.map(String.init).joined(separator: " ")),
                    .init("right", "\(right) of \(first.words.count)")]
        } batch: {
            items.map { "\"\(decode?($0.tokens) ?? "")\" — \($0.tokens.count) tokens, \($0.words.count) unit words" }
        }
    }

    /// `textAdapter` and `decoder`.
    public func gradientGroup(_ parameter: String) -> String? { parameter.split(separator: ".").first.map(String.init) }

    public func describe() -> [(String, String)] {
        let c = t2c.config
        let words = examples.reduce(0) { $0 + $1.words.count }, tokens = examples.reduce(0) { $0 + $1.tokens.count }
        return [("t2c", "adapter \(c.llmDim) → \(c.dim), \(c.layers) layers × \(c.dim), \(c.heads) heads, FFN \(c.ffnDim), \(c.units) unit words + start/end"),
                ("data", String(format: "%d texts (%.1f tokens, %.1f unit words each), batch %d", examples.count,
                                Double(tokens) / Double(examples.count), Double(words) / Double(examples.count), batch))]
    }
}
