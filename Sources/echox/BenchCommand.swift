import ArgumentParser
import Foundation
import Training

/// `echox bench …`: throughput measurements comparable with the PyTorch reference scripts.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and inference speed.",
        subcommands: [BenchTrainCommand.self])
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
    @Flag(help: "Print each step.") var verbose = false

    func validate() throws {
        for (name, value) in [("vocab", vocab), ("dim", dim), ("layers", layers), ("heads", heads), ("kv-heads", kvHeads),
                              ("ffn", ffn), ("seq", seq), ("batch", batch), ("steps", steps)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1")
        }
        guard dim % heads == 0 else { throw ValidationError("--dim \(dim) must be a multiple of --heads \(heads)") }
        guard heads % kvHeads == 0 else { throw ValidationError("--heads \(heads) must be a multiple of --kv-heads \(kvHeads)") }
        guard (dim / heads) % 2 == 0 else { throw ValidationError("the head size --dim/--heads must be even for rotary embeddings") }
    }

    func run() throws {
        var bench = TrainBenchmark()
        (bench.vocab, bench.dim, bench.layers, bench.heads, bench.kvHeads) = (vocab, dim, layers, heads, kvHeads)
        (bench.ffn, bench.seq, bench.batch, bench.steps, bench.warmup) = (ffn, seq, batch, steps, max(0, warmup))
        let result = bench.run(log: { if verbose { print($0) } })
        print(String(format: "echox tokens/s: %.0f   (step_ms median %.1f, params %d, loss %.3f)",
                     result.tokensPerSecond, result.medianStepMilliseconds, result.parameterCount, result.finalLoss))
    }
}
