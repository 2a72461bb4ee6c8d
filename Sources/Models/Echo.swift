import Foundation
import NN
import Tensor

// EchoX stage III (arXiv 2509.09174 §2.4; the official code's Denoising Adapter and Echo decoder): the
// LLM's hidden states H at the positions of its own answer X' become speech. Shapes: N answer
// positions, E LLM width, I adapter width.

/// Denoising Adapter: Linear(E → I) → ReLU → Dropout → Linear(I → E), from the LLM's last hidden
/// states into its token-embedding space (trained to point where Emb(X') points).
public final class DenoisingAdapter: Module {
    public let up: Linear       // [I, E]
    public let dropout: Dropout
    public let down: Linear     // [E, I]

    public init(dim: Int, hidden: Int, dropout p: Float = 0.1, seed: UInt64 = 0) {
        var rng = SeededRandom(seed: seed ^ 0xDE_20)
        up = Linear(dim, hidden, rng: &rng)
        down = Linear(hidden, dim, rng: &rng)
        dropout = Dropout(p, seed: rng.next())
    }

    /// H [..., E] → [..., E].
    public func callAsFunction(_ h: Tensor) -> Tensor { down(dropout(up(h).relu())) }
}

/// The speech side of EchoX: the Denoising Adapter, then a T2C-shaped decoder (initialised from the
/// trained T2C) that reads the adapter's output in place of the text's token embeddings.
public final class EchoModel: Module {
    public let adapter: DenoisingAdapter
    public let decoder: T2CModel

    /// A new adapter of width `adapterDim` over `decoder` (pass a T2C model loaded from its run).
    public init(decoder: T2CModel, adapterDim: Int, dropout: Float = 0.1, seed: UInt64 = 0) throws {
        guard adapterDim > 0 else { throw T2CError("the Denoising Adapter needs a positive width, not \(adapterDim)") }
        guard dropout >= 0 && dropout < 1 else { throw T2CError("the Denoising Adapter's dropout \(dropout) must be in [0, 1)") }
        self.decoder = decoder
        adapter = DenoisingAdapter(dim: decoder.config.llmDim, hidden: adapterDim, dropout: dropout, seed: seed)
    }

    /// The echo loss and the denoising term of a batch: `hidden` [B, T, E] holds item b's answer
    /// states in its first `lengths[b]` rows, `embeddings` the same layout of Emb(X'), `words` Y' per item.
    /// denoising = Σ over answer positions of 1 − cos(Adapter(H_i), Emb(X'_i)), averaged per position.
    public func losses(hidden: Tensor, embeddings: Tensor, lengths: [Int], words: [[Int32]]) throws
        -> (echo: Tensor, denoising: Tensor, cosine: Double) {
        guard hidden.shape == embeddings.shape, hidden.rank == 3, hidden.shape[2] == decoder.config.llmDim else {
            throw T2CError("hidden states \(hidden.shape) and answer embeddings \(embeddings.shape) must both be [B, T, \(decoder.config.llmDim)]")
        }
        let adapted = adapter(hidden)
        let denoising = cosineDistanceLoss(Self.validRows(adapted, lengths: lengths), Self.validRows(embeddings, lengths: lengths))
        let echo = try decoder.loss(text: adapted, textLengths: lengths, words: words)
        return (echo, denoising, 1 - Double(denoising.item))
    }

    /// The valid rows [N, E] of a padded [B, T, E] tensor whose item b holds `lengths[b]` rows.
    public static func validRows(_ padded: Tensor, lengths: [Int]) -> Tensor {
        let t = padded.shape[1], e = padded.shape[2]
        return padded.reshaped([lengths.count * t, e]).indexSelect(axis: 0, lengths.enumerated().flatMap { b, n in (0..<n).map { b * t + $0 } })
    }

    /// At most this many unit words for a text of `tokens` tokens (far more than speech needs).
    public static func wordBudget(tokens: Int) -> Int { 12 * tokens + 16 }

    /// Greedy unit words for one answer's hidden states [N, E]; `onWord` sees each as it is decided.
    public func speak(hidden: Tensor, maxWords: Int, onWord: (Int32) throws -> Void = { _ in }) throws -> [Int32] {
        let wasTraining = isTraining
        eval()
        defer { if wasTraining { train() } }
        return try decoder.greedy(text: Autograd.noGrad { adapter(hidden) }, maxWords: maxWords, onWord: onWord)
    }
}
