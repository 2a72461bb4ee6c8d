import Foundation
import Models
import NN
import Optim
import Tensor

/// Training-step throughput of a Llama-style decoder on random tokens (forward + backward + AdamW),
/// with the same shape parameters and defaults as the PyTorch reference benchmark. The steps are the
/// trainer framework's own, so the figure is what training in the workbench gets.
public struct TrainBenchmark: Sendable {
    public var vocab = 4096, dim = 256, layers = 4, heads = 4, kvHeads = 4, ffn = 688
    public var seq = 128, batch = 8, steps = 12, warmup = 3
    /// Rank of LoRA adapters on q and v (alpha 2·rank, every other weight frozen); 0 trains every weight.
    public var lora = 0
    /// The output matrix is the embedding.
    public var tied = false
    /// Loss on the last this many positions only (0: all), as the reference's --answer.
    public var answer = 0
    public init() {}

    public struct Result: Sendable {
        public var tokensPerSecond: Double
        public var medianStepMilliseconds: Double
        public var parameterCount: Int
        public var finalLoss: Float
    }

    public func run(log: (String) -> Void = { _ in }) throws -> Result {
        let config = LlamaConfig(vocabSize: vocab, dim: dim, layers: layers, heads: heads, kvHeads: kvHeads,
                                 ffnDim: ffn, tiedEmbeddings: tied, contextLength: seq)
        let model = LlamaModel(config, seed: 0)
        if lora > 0 { model.addLoRA(rank: lora, alpha: Float(2 * lora), on: [.q, .v]) }
        var rng = SeededRandom(seed: 0)
        let stream = TokenStream(tokens: (0..<(batch * (seq + 1) * 4)).map { _ in Int32(rng.int(below: vocab)) })
        var optimization = OptimizationConfig()
        optimization.learningRate = 3e-4
        optimization.weightDecay = 0.1
        optimization.warmupSteps = 0
        optimization.minRateFraction = 1          // a constant rate, as the reference
        optimization.gradientClip = .infinity     // the reference does not clip
        let task = try LanguageModelTask(model: model, data: stream, batch: batch, sequenceLength: seq,
                                         answerPositions: answer > 0 ? answer : nil)
        let trainer = GradientTrainer(task: task, config: optimization)
        trainer.sampleEvery = 0
        var times: [Double] = []
        var loss = Double.nan
        for i in 0..<(warmup + steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            let report = try trainer.step()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            loss = report.losses["loss"] ?? .nan
            if i >= warmup { times.append(seconds) }
            log("step \(i + 1)/\(warmup + steps)\(i < warmup ? " (warmup)" : ""): loss \(String(format: "%.4f", loss)), "
                + String(format: "%.1f ms", seconds * 1000))
        }
        let median = times.sorted()[times.count / 2]
        return Result(tokensPerSecond: Double(batch * seq) / median, medianStepMilliseconds: median * 1000,
                      parameterCount: model.parameterCount, finalLoss: Float(loss))
    }
}
