import NN
import Tensor

/// LoRA adapters for the inference engine, per block and projection: a plain float32 copy of the
/// adapters a `LlamaModel` trained (see `LlamaInference.apply(lora:)`).
public struct LlamaLoRAWeights: Equatable, Sendable {
    /// One projection's update: y += scale · B · (A · x).
    public struct Adapter: Equatable, Sendable {
        public let a: [Float]   // [rank, in]
        public let b: [Float]   // [out, rank]
        public let rank: Int
        public let scale: Float

        /// Checks that `a` and `b` hold whole rows of `rank` values and are not empty.
        public init(a: [Float], b: [Float], rank: Int, scale: Float) throws {
            guard rank >= 1, !a.isEmpty, !b.isEmpty, a.count % rank == 0, b.count % rank == 0 else {
                throw LlamaError.badInput("a LoRA adapter of rank \(rank) needs A [rank, in] and B [out, rank]; got \(a.count) and \(b.count) values")
            }
            guard scale.isFinite else { throw LlamaError.badInput("the LoRA scale is \(scale); give alpha / rank, a finite number") }
            (self.a, self.b, self.rank, self.scale) = (a, b, rank, scale)
        }

        public var inFeatures: Int { a.count / rank }
        public var outFeatures: Int { b.count / rank }
    }

    /// Adapters of each block (index: layer), by projection; projections without one are absent.
    public let layers: [[LlamaProjection: Adapter]]

    public init(layers: [[LlamaProjection: Adapter]]) { self.layers = layers }

    /// The adapters `model`'s linear layers carry (unmerged ones; a merged update is in the
    /// weights, which the engine does not read). Throws when the model has none.
    public init(model: LlamaModel) throws {
        var found = 0
        layers = try model.layers.indices.map { l in
            var adapters: [LlamaProjection: Adapter] = [:]
            for p in LlamaProjection.allCases {
                guard let lora = model.linear(p, layer: l).lora else { continue }
                guard !lora.isMerged else {
                    throw LlamaError.badInput("the LoRA of \(p) in block \(l) is merged into the weights; unmerge it (Linear.unmergeLoRA) before giving it to the engine")
                }
                adapters[p] = try Adapter(a: lora.a.scalars, b: lora.b.scalars, rank: lora.rank, scale: lora.scale)
                found += 1
            }
            return adapters
        }
        guard found > 0 else { throw LlamaError.badInput("the model carries no LoRA adapters; add them with addLoRA(rank:alpha:on:seed:) and train") }
    }

    /// Adapter of `projection` in block `layer`, if any.
    func adapter(_ projection: LlamaProjection, layer: Int) -> Adapter? {
        layers[layer][projection]
    }

    /// Throws unless there is one entry per block of `config` and every adapter fits its projection.
    func validate(for config: LlamaConfig) throws {
        guard layers.count == config.layers else {
            throw LlamaError.badInput("the LoRA has adapters for \(layers.count) blocks but the model has \(config.layers); make it from a model of the same architecture")
        }
        for (l, adapters) in layers.enumerated() {
            for (p, a) in adapters {
                let (outs, ins) = p.shape(config)
                guard a.outFeatures == outs, a.inFeatures == ins else {
                    throw LlamaError.badInput("the LoRA of \(p) in block \(l) maps \(a.inFeatures) → \(a.outFeatures) values but the model's \(p) projection maps \(ins) → \(outs); make the adapters from a model of the same architecture")
                }
            }
        }
    }
}

extension LlamaProjection {
    /// (out, in) of this projection's weight in a block of `c`.
    func shape(_ c: LlamaConfig) -> (out: Int, in: Int) {
        let qw = c.heads * c.headDim, kvw = c.kvHeads * c.headDim
        switch self {
        case .q: return (qw, c.dim)
        case .k, .v: return (kvw, c.dim)
        case .o: return (c.dim, qw)
        case .gate, .up: return (c.ffnDim, c.dim)
        case .down: return (c.dim, c.ffnDim)
        }
    }
}
