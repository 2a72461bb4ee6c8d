import Foundation
import Models
import Tensor

/// The LLM's inputs for a batch of spoken prompts, each continued by tokens (an answer to learn, or
/// the model's own answer whose hidden states are wanted): the prefix, the item's speech embeddings,
/// the suffix and the continuation but its last token, padded at the end (causal attention never
/// reads the padding for a real position).
struct S2TPromptBatch {
    /// [B, L, C]
    let inputs: Tensor
    let length: Int
    /// For each item, the flat rows (b·L + position) of the positions that predict its continuation's tokens.
    let predicting: [[Int]]

    init(items: [S2TExample], speech: S2TOutput, continuations: [[Int32]], llm: LlamaModel) {
        var rows: [Tensor] = [], starts: [Int] = []
        for (b, item) in items.enumerated() {
            let spoken = speech.embeddings.slice(axis: 0, start: b, length: 1).slice(axis: 1, start: 0, length: speech.lengths[b])
            let tail = item.suffix + continuations[b].dropLast()
            rows.append(Tensor.concat([llm.embed(item.prefix, shape: [1, item.prefix.count]), spoken,
                                       llm.embed(tail, shape: [1, tail.count])].filter { $0.shape[1] > 0 }, axis: 1))
            starts.append(item.prefix.count + speech.lengths[b] + item.suffix.count - 1)
        }
        let length = rows.map { $0.shape[1] }.max()!
        inputs = Tensor.concat(rows.map { $0.shape[1] < length ? $0.padded(axis: 1, before: 0, after: length - $0.shape[1]) : $0 }, axis: 0)
        self.length = length
        predicting = starts.enumerated().map { b, start in (0..<continuations[b].count).map { b * length + start + $0 } }
    }

    /// The LLM's final hidden states [N, C] (or the residual stream after `layer` blocks) at the
    /// predicting positions of every item, in item order.
    func hiddenStates(_ llm: LlamaModel, layer: Int? = nil) -> Tensor {
        llm.hiddenStates(embeddings: inputs, throughLayer: layer ?? llm.config.layers).reshaped([inputs.shape[0] * length, llm.config.dim])
            .indexSelect(axis: 0, predicting.flatMap { $0 })
    }
}
