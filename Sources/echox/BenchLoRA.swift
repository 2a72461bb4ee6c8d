import Foundation
import Formats
import Models
import Tensor

/// `bench infer --lora-rank`: a random LoRA on q and v put on the engine, with the time to apply it,
/// its memory and how far the engine's logits are from the float32 model's with the same LoRA.
enum BenchLoRA {
    /// Adds a rank-`rank` LoRA (alpha 2·rank, B drawn non-zero) to the float32 model of `url` and
    /// applies it to `engine`, printing the figures; `probe` are the tokens the logits are compared on.
    static func apply(rank: Int, url: URL, to engine: LlamaInference, probe: [Int]) throws {
        let clock = ContinuousClock()
        let reference = try LlamaModel.load(gguf: GGUFFile(url: url))
        func referenceLogits() -> [Float] { Autograd.noGrad { reference(probe.map(Int32.init), shape: [1, probe.count]) }.scalars }
        func engineLogits() throws -> [Float] { engine.reset(); return try engine.logitsOfEveryPosition(probe) }
        func largest(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) } }
        let baseReference = referenceLogits()
        let baseError = largest(try engineLogits(), baseReference)
        reference.addLoRA(rank: rank, alpha: Float(2 * rank), on: [.q, .v], seed: 7)
        var rng = SeededRandom(seed: 8)
        for (name, p) in reference.trainableParameters where name.hasSuffix("lora.b") {
            for i in 0..<p.count { p.data[i] = 0.02 * rng.normal() }
        }
        let loraReference = referenceLogits()
        let weights = try LlamaLoRAWeights(model: reference)
        let start = clock.now
        try engine.apply(lora: weights)
        let seconds = (clock.now - start).inSeconds
        let loraError = largest(try engineLogits(), loraReference)
        let floats = weights.layers.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.a.count + $1.b.count } }
        print(String(format: "LoRA rank %d on q and v: applied in %.3f s, %.2f MB of adapters", rank, seconds, Double(4 * floats) / 1e6))
        print(String(format: "max |logit difference| from the float32 model over %d tokens: %.2e without LoRA, %.2e with it (the LoRA itself moves the logits by up to %.2f)",
                     probe.count, baseError, loraError, largest(baseReference, loraReference)))
        engine.reset()
        try paired(engine, apply: { try engine.apply(lora: weights) }, prompt: probe)
    }

    /// Decode and prefill speed with the LoRA over that without, in alternating rounds in this process
    /// (the machine's speed drifts between minutes): the median of the ratios of the rounds.
    private static func paired(_ engine: LlamaInference, apply: () throws -> Void, prompt: [Int], rounds: Int = 21) throws {
        let clock = ContinuousClock()
        func seconds(_ body: () throws -> Void) rethrows -> Double { let t = clock.now; try body(); return (clock.now - t).inSeconds }
        func timings() throws -> (decode: Double, prefill: Double) {
            engine.reset()
            let decode = try seconds { var next = prompt[0]; for _ in 0..<48 { next = Sampler.argmax(try engine.step(next)) } }
            engine.reset()
            return (decode, try seconds { try engine.prefill(prompt) })
        }
        var decode: [Double] = [], prefill: [Double] = []
        for _ in 0..<rounds {
            engine.removeLoRA()
            let base = try timings()
            try apply()
            let adapted = try timings()
            decode.append(base.decode / adapted.decode)
            prefill.append(base.prefill / adapted.prefill)
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        print(String(format: "speed with the LoRA / without, median of %d paired rounds: decode %.3f, prefill of %d tokens %.3f",
                     rounds, median(decode), prompt.count, median(prefill)))
        engine.reset()
    }
}
