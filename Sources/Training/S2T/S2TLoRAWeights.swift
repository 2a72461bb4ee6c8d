import Foundation
import Models
import Tensor

extension S2TRecipe {
    /// The LLM's LoRA adapters in a checkpoint's values (`llm.layers.N.<projection>.lora.a|b`) for the inference engine.
    public func loraWeights(_ values: [String: Tensor], layers: Int, source: String) throws -> LlamaLoRAWeights {
        let paths: [LlamaProjection: String] = [.q: "attention.wq", .k: "attention.wk", .v: "attention.wv", .o: "attention.wo",
                                                .gate: "mlp.gate", .up: "mlp.up", .down: "mlp.down"]
        let targets = loraTargets.compactMap(LlamaProjection.init(rawValue:))
        let scale = loraAlpha / Float(loraRank)
        return LlamaLoRAWeights(layers: try (0..<layers).map { layer in
            var adapters: [LlamaProjection: LlamaLoRAWeights.Adapter] = [:]
            for projection in targets {
                let base = "llm.layers.\(layer).\(paths[projection]!).lora."
                guard let a = values[base + "a"], let b = values[base + "b"] else {
                    throw TrainingError("\(source) lacks the LoRA adapter \(base)a/b: train the run again")
                }
                adapters[projection] = try LlamaLoRAWeights.Adapter(a: a.scalars, b: b.scalars, rank: loraRank, scale: scale)
            }
            return adapters
        })
    }
}
