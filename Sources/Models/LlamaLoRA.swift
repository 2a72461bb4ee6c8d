import NN
import Tensor

/// A projection of a Llama block that can carry a LoRA adapter.
public enum LlamaProjection: String, CaseIterable, Sendable {
    case q, k, v, o, gate, up, down
}

// MARK: - Training over frozen base weights

extension LlamaModel {
    /// The block's linear layer for `projection`.
    public func linear(_ projection: LlamaProjection, layer: Int) -> Linear {
        let b = layers[layer]
        switch projection {
        case .q: return b.attention.wq
        case .k: return b.attention.wk
        case .v: return b.attention.wv
        case .o: return b.attention.wo
        case .gate: return b.mlp.gate
        case .up: return b.mlp.up
        case .down: return b.mlp.down
        }
    }

    /// Freezes every base weight and adds LoRA adapters of `rank` to `projections` in every block
    /// (B starts at zero, so the model's outputs are unchanged until it trains).
    public func addLoRA(rank: Int, alpha: Float, on projections: Set<LlamaProjection> = [.q, .v], seed: UInt64 = 0) {
        precondition(rank >= 1, "LoRA rank must be at least 1")
        freeze()
        var rng = SeededRandom(seed: seed)
        for i in layers.indices {
            for p in LlamaProjection.allCases where projections.contains(p) {
                linear(p, layer: i).addLoRA(rank: rank, alpha: alpha, rng: &rng)
            }
        }
    }

    /// Logits [B, T, V] for input embeddings [B, T, C] (e.g. speech embeddings spliced into a
    /// prompt); gradients flow to the embeddings and to any LoRA adapters.
    public func logits(embeddings: Tensor, keyPadding: Mask? = nil) -> Tensor {
        logits(hidden: hiddenStates(embeddings: embeddings, keyPadding: keyPadding))
    }

    /// Final hidden states [B, n, C] at the last n positions of input embeddings [B, T, C]: the values
    /// `hiddenStates(embeddings:)` has there, with the last block computed at those positions only
    /// (a loss on an answer after a prompt).
    public func hiddenStates(embeddings x: Tensor, lastPositions n: Int, keyPadding: Mask? = nil) -> Tensor {
        precondition(n >= 1 && n <= x.shape[1], "last positions must be 1…\(x.shape[1]), not \(n)")
        var h = x
        for layer in layers.dropLast() { h = layer(h, cache: nil, keyPadding: keyPadding) }
        if let last = layers.last {
            h = last(h, lastPositions: n, keyPadding: keyPadding)
        } else if n < x.shape[1] {
            h = h.slice(axis: 1, start: x.shape[1] - n, length: n)
        }
        return norm(h)
    }

    /// Token embeddings [B, T, C] for ids of `shape` [B, T] (frozen rows unless the embedding trains).
    public func embed(_ ids: [Int32], shape: [Int]) -> Tensor {
        embedding(ids, shape: shape)
    }
}
