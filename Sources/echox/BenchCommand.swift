import ArgumentParser
import Foundation
import Models
import Tensor
import Training

/// `echox bench …`: throughput measurements comparable with the PyTorch reference scripts.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and inference speed.",
        subcommands: [BenchTrainCommand.self, BenchInferCommand.self, BenchKernelsCommand.self])
}

/// `echox bench train`: the same flags and defaults as the reference torch_llama_step.py.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Forward + backward + AdamW steps of a Llama-style decoder on random tokens; prints 'echox tokens/s: N'.")

    @Option(help: "Vocabulary size.") var vocab = 4096
    @Option(help: "Model width.") var dim = 256
    @Option(help: "Decoder layers.") var layers = 4
    @Option(help: "Attention heads.") var heads = 4
    @Option(name: .customLong("kv-heads"), help: "Key/value heads (grouped-query attention when fewer than heads).") var kvHeads = 4
    @Option(help: "Feed-forward width.") var ffn = 688
    @Option(help: "Sequence length.") var seq = 128
    @Option(help: "Sequences per batch.") var batch = 8
    @Option(help: "Timed steps.") var steps = 12
    @Option(help: "Untimed warm-up steps.") var warmup = 3
    @Option(help: "Rank of LoRA adapters on q and v (alpha 2·rank; every other weight frozen); 0 trains every weight.") var lora = 0
    @Flag(help: "The output matrix is the embedding.") var tied = false
    @Option(help: "Cross-entropy on the last N positions only (an answer after a prompt); 0: all.") var answer = 0
    @Flag(help: "Print each step.") var verbose = false

    func validate() throws {
        for (name, value) in [("vocab", vocab), ("dim", dim), ("layers", layers), ("heads", heads), ("kv-heads", kvHeads),
                              ("ffn", ffn), ("seq", seq), ("batch", batch), ("steps", steps)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1")
        }
        guard dim % heads == 0 else { throw ValidationError("--dim \(dim) must be a multiple of --heads \(heads)") }
        guard heads % kvHeads == 0 else { throw ValidationError("--heads \(heads) must be a multiple of --kv-heads \(kvHeads)") }
        guard (dim / heads) % 2 == 0 else { throw ValidationError("the head size --dim/--heads must be even for rotary embeddings") }
        guard lora >= 0, answer >= 0, answer <= seq else { throw ValidationError("--lora must be ≥ 0 and --answer in 0…--seq") }
    }

    func run() throws {
        var bench = TrainBenchmark()
        (bench.vocab, bench.dim, bench.layers, bench.heads, bench.kvHeads) = (vocab, dim, layers, heads, kvHeads)
        (bench.ffn, bench.seq, bench.batch, bench.steps, bench.warmup) = (ffn, seq, batch, steps, max(0, warmup))
        (bench.lora, bench.tied, bench.answer) = (lora, tied, answer)
        let result = try bench.run(log: { if verbose { print($0) } })
        print(String(format: "echox tokens/s: %.0f   (step_ms median %.1f, params %d, loss %.3f)",
                     result.tokensPerSecond, result.medianStepMilliseconds, result.parameterCount, result.finalLoss))
    }
}

/// `echox bench infer`: prefill and decode speed of a pretrained LLM.
struct BenchInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Prefill and decode speed of a GGUF LLM; prints 'prefill tokens/s: N' (a prompt from an empty cache) and 'decode tokens/s: N' (new tokens from an empty cache, as llama-bench measures), best of the runs, then decode after the prompt and the medians.")

    @Option(help: "A known model name or a path to a .gguf file.") var model = "smollm2"
    @Option(help: "Prompt tokens to prefill.") var prompt = 512
    @Option(help: "New tokens to decode after the prompt.") var tokens = 128
    @Option(help: "Timed runs (the best and the median are reported).") var runs = 5
    @Option(help: "Worker threads for matrix products (default: every core).") var threads: Int?
    @Option(help: "Also decode this many sequences together (one pass over the weights per step) and report their tokens/s.") var batch = 1
    @Option(help: "Put a random LoRA of this rank on q and v (0: none): report the time to apply it, its memory and its logits against the float32 model, then measure with it.") var loraRank = 0

    func validate() throws {
        for (name, value) in [("prompt", prompt), ("tokens", tokens), ("runs", runs), ("batch", batch)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1")
        }
        guard loraRank >= 0 else { throw ValidationError("--lora-rank must be 0 (no LoRA) or more") }
        guard !prompt.addingReportingOverflow(tokens).overflow else {
            throw ValidationError("--prompt \(prompt) and --tokens \(tokens) add up to more positions than can be counted; ask for a few thousand")
        }
    }

    func run() throws {
        if let threads { Parallelism.cores = max(1, threads) }
        let engine: LlamaInference
        do {
            engine = try LlamaInference(url: try ModelStore.resolve(model), capacity: prompt + tokens)
        } catch {
            throw CLIError("\(error)")
        }
        guard prompt + tokens <= engine.capacity else {
            throw CLIError("--prompt + --tokens (\(prompt + tokens)) exceed the model's context length \(engine.capacity)")
        }
        // A fixed pseudo-random prompt from the ordinary part of the vocabulary, past the byte and
        // special tokens at its start; a vocabulary too small to have such a part is used whole.
        let vocabulary = engine.config.vocabSize
        guard vocabulary >= 1 else { throw CLIError("the model's vocabulary is empty; nothing can be prefilled — check the GGUF file") }
        let first = vocabulary > 2 * 256 ? 256 : 0
        var rng = SeededRandom(seed: 1)
        let ids = (0..<prompt).map { _ in first + rng.int(below: vocabulary - first) }
        if loraRank > 0 {
            try BenchLoRA.apply(rank: loraRank, url: ModelStore.resolve(model), to: engine, probe: Array(ids.prefix(64)))
        }
        let clock = ContinuousClock()
        func rate(_ count: Int, _ d: Duration) -> Double { Double(count) / d.inSeconds }
        // Like llama-bench: prefill of the prompt and decode of new tokens each from an empty
        // cache; decode after the prompt (a longer cache to attend over) is reported as well.
        var prefill: [Double] = [], decode: [Double] = [], decodeAfter: [Double] = []
        for run in 0..<runs {
            engine.reset()
            var t = clock.now
            var next = Sampler.argmax(try engine.prefill(ids))
            prefill.append(rate(prompt, clock.now - t))
            t = clock.now
            for _ in 0..<tokens { next = Sampler.argmax(try engine.step(next)) }
            decodeAfter.append(rate(tokens, clock.now - t))
            engine.reset()
            next = ids[0]
            t = clock.now
            for _ in 0..<tokens { next = Sampler.argmax(try engine.step(next)) }
            decode.append(rate(tokens, clock.now - t))
            print(String(format: "run %d: prefill %.1f, decode %.1f, decode after the prompt %.1f tokens/s",
                         run + 1, prefill.last!, decode.last!, decodeAfter.last!))
        }
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return (s[(s.count - 1) / 2] + s[s.count / 2]) / 2 }
        // Several sequences from empty caches, each starting from its own prompt token, decoded together.
        var batched: [Double] = []
        if batch > 1 {
            let engines = try (0..<batch).map { _ in try LlamaInference(sharingWeightsOf: engine, capacity: tokens) }
            for run in 0..<runs {
                for e in engines { e.reset() }
                var next = (0..<batch).map { ids[$0 % ids.count] }
                let t = clock.now
                for _ in 0..<tokens {
                    try LlamaInference.step(engines, tokens: next)
                    next = engines.map { Sampler.argmax($0.lastLogits) }
                }
                batched.append(rate(tokens * batch, clock.now - t))
                print(String(format: "run %d: decode of %d sequences together %.1f tokens/s", run + 1, batch, batched.last!))
            }
        }
        print(String(format: "prefill tokens/s: %.0f", prefill.max()!))
        print(String(format: "decode tokens/s: %.0f", decode.max()!))
        print(String(format: "decode tokens/s after the %d-token prompt: %.0f", prompt, decodeAfter.max()!))
        print(String(format: "medians of %d runs: prefill %.0f, decode %.0f, decode after the prompt %.0f",
                     runs, median(prefill), median(decode), median(decodeAfter)))
        if !batched.isEmpty {
            print(String(format: "batched decode tokens/s (%d sequences): %.0f, %.2f× one sequence (medians %.0f and %.0f)",
                         batch, batched.max()!, batched.max()! / decode.max()!, median(batched), median(decode)))
        }
    }
}
