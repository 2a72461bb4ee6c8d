import Foundation
import Tensor

// MARK: - Several sequences decoded together

extension LlamaInference {
    /// Appends `tokens[i]` to `engines[i]` and decodes all of them in one pass over the weights;
    /// afterwards each engine's `lastLogits` holds its next-token logits.
    ///
    /// Decoding one token reads every weight once, so it is bound by memory bandwidth; reading each
    /// weight row once for several sequences multiplies the tokens per second. The engines must be
    /// distinct and read the same weights (`init(sharingWeightsOf:capacity:)`); each adds its own LoRA
    /// adapters, if any, and its logits are bit for bit those of `step(_:)` on it alone.
    public static func step(_ engines: [LlamaInference], tokens: [Int]) throws {
        guard engines.count == tokens.count else {
            throw LlamaError.badInput("a batch step needs one token per engine; got \(tokens.count) tokens for \(engines.count) engines")
        }
        guard let lead = engines.first else { return }
        guard Set(engines.map(ObjectIdentifier.init)).count == engines.count else {
            throw LlamaError.badInput("an engine appears twice in one batch step; give each sequence its own engine")
        }
        for e in engines where !e.sharesWeights(with: lead) {
            throw LlamaError.badInput("the engines of a batch must read the same weights; make them with LlamaInference(sharingWeightsOf:)")
        }
        for (e, t) in zip(engines, tokens) {
            try e.checkToken(t)
            try e.checkRoom(1)
        }
        for (e, t) in zip(engines, tokens) { e.embedding.row(t, into: e.x) }
        decodePositions(engines)
    }

    /// Replaces this engine's cache with the first `count` positions of `other`'s (which reads the
    /// same weights and LoRA adapters): a prompt prefix prefilled once serves many sequences, with the
    /// keys and values prefilling it here would give.
    public func copyPositions(_ count: Int, from other: LlamaInference) throws {
        guard sharesWeights(with: other) else {
            throw LlamaError.badInput("the cache of an engine with other weights cannot be copied; make the engines with LlamaInference(sharingWeightsOf:)")
        }
        guard lora == other.lora else {
            throw LlamaError.badInput("the cache was made with other LoRA adapters; apply the same ones (apply(lora:) or removeLoRA()) to both engines")
        }
        guard count >= 0, count <= other.position, count <= capacity else {
            throw LlamaError.badInput("cannot copy \(count) positions: the source holds \(other.position), this cache \(capacity)")
        }
        let kvw = config.kvHeads * config.headDim
        for l in 0..<config.layers {
            (keys + l * capacity * kvw).update(from: other.keys + l * other.capacity * kvw, count: count * kvw)
            (values + l * capacity * kvw).update(from: other.values + l * other.capacity * kvw, count: count * kvw)
        }
        position = count
    }

    /// True when both engines read the same weight matrices.
    public func sharesWeights(with other: LlamaInference) -> Bool {
        embedding === other.embedding && output === other.output && blocks.count == other.blocks.count
            && zip(blocks, other.blocks).allSatisfy { $0.wq === $1.wq && $0.down === $1.down }
    }
}
