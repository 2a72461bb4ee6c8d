import Foundation
import Models
import NN
import Tensor

/// One answer token seen from both sides of the acoustic-semantic gap.
public struct EchoTokenGap: Sendable {
    public var token: Int32
    /// cos(H_i, Emb(X'_i)): the LLM's hidden state against the token's embedding.
    public var hidden: Double
    /// cos(Adapter(H_i), Emb(X'_i)) (final layer only: the adapter reads that one).
    public var adapted: Double?
}

/// What one sample trains on, side by side: X' (conventional: the target answer X), its unit targets
/// (the echo target Y', or the annotated units) and the annotated units of the target answer.
public struct EchoSampleTargets: Sendable {
    public var text: [Int32]
    public var target: [Int32]
    public var annotated: [Int32]
}

/// Looking into an Echo job without changing it (the label cache and the models stay as they are).
extension EchoTask {
    func checkSample(_ sample: Int) throws {
        guard examples.indices.contains(sample) else {
            throw TrainingError("sample \(sample) is not in the job's \(examples.count) spoken questions: give 0…\(examples.count - 1)")
        }
    }

    /// The targets of sample `sample`: its cached label (or one made now and not kept).
    public func targets(sample: Int) throws -> EchoSampleTargets {
        try checkSample(sample)
        let example = examples[sample]
        if settings.conventional { return EchoSampleTargets(text: example.question.answerText, target: example.annotated, annotated: example.annotated) }
        let label = try labels.bySample[sample] ?? makeLabels([sample])[0]
        return EchoSampleTargets(text: label.text, target: label.words, annotated: example.annotated)
    }

    /// Per token of the sample's text: the cosines of H (after `layer` blocks; nil: the final states)
    /// and of Adapter(H) with the token's embedding.
    public func gap(sample: Int, layer: Int? = nil) throws -> [EchoTokenGap] {
        if let layer, !(0...stack.llm.config.layers).contains(layer) {
            throw TrainingError("layer \(layer) is not in the LLM's 0…\(stack.llm.config.layers)")
        }
        let text = try targets(sample: sample).text
        guard !text.isEmpty else { return [] }
        let final = layer == nil || layer == stack.llm.config.layers
        let (hidden, embeddings) = try hiddenStates([examples[sample].question], texts: [text], layer: layer)
        let c = stack.llm.config.dim
        let adapted: Tensor? = final ? evaluating { stack.echo.adapter(hidden) } : nil
        return text.indices.map { i in
            EchoTokenGap(token: text[i], hidden: Double(Kernels.cosine(hidden.data + i * c, embeddings.data + i * c, count: c)),
                         adapted: adapted.map { Double(Kernels.cosine($0.data + i * c, embeddings.data + i * c, count: c)) })
        }
    }

    /// The Echo decoder's unit words for the sample's text, from its hidden states.
    public func spokenWords(sample: Int) throws -> [Int32] {
        let text = try targets(sample: sample).text
        guard !text.isEmpty else { return [] }
        let hidden = try hiddenStates([examples[sample].question], texts: [text]).hidden
        return try stack.echo.speak(hidden: hidden, maxWords: EchoModel.wordBudget(tokens: text.count))
    }
}
