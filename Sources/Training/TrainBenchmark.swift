import Foundation
import Models
import NN
import Optim
import Tensor

/// Training-step throughput of a Llama-style decoder on random tokens (forward + backward + AdamW),
/// with the same shape parameters and defaults as the PyTorch reference benchmark.
public struct TrainBenchmark: Sendable {
    public var vocab = 4096, dim = 256, layers = 4, heads = 4, kvHeads = 4, ffn = 688
    public var seq = 128, batch = 8, steps = 12, warmup = 3
    public init() {}

    public struct Result: Sendable {
        public var tokensPerSecond: Double
        public var medianStepMilliseconds: Double
        public var parameterCount: Int
        public var finalLoss: Float
    }

    public func run(log: (String) -> Void = { _ in }) -> Result {
        let config = LlamaConfig(vocabSize: vocab, dim: dim, layers: layers, heads: heads, kvHeads: kvHeads,
                                 ffnDim: ffn, contextLength: seq)
        let model = LlamaModel(config, seed: 0)
        let optimizer = AdamW(model.trainableParameters, learningRate: 3e-4, weightDecay: 0.1)
        var rng = SeededRandom(seed: 0)
        var times: [Double] = []
        var loss: Float = .nan
        for i in 0..<(warmup + steps) {
            let tokens = (0..<(batch * (seq + 1))).map { _ in Int32(rng.int(below: vocab)) }
            let start = DispatchTime.now().uptimeNanoseconds
            let l = model.languageModelLoss(tokens, batch: batch)
            let forwardEnd = DispatchTime.now().uptimeNanoseconds
            optimizer.zeroGrad()
            l.backward()
            let backwardEnd = DispatchTime.now().uptimeNanoseconds
            Autograd.noGrad { optimizer.step() }
            let end = DispatchTime.now().uptimeNanoseconds
            let seconds = Double(end - start) / 1e9
            loss = l.item
            if i >= warmup { times.append(seconds) }
            let ms = { (a: UInt64, b: UInt64) in String(format: "%.1f", Double(b - a) / 1e6) }
            log("step \(i + 1)/\(warmup + steps)\(i < warmup ? " (warmup)" : ""): loss \(String(format: "%.4f", loss)), "
                + "\(ms(start, end)) ms (forward \(ms(start, forwardEnd)), backward \(ms(forwardEnd, backwardEnd)), AdamW \(ms(backwardEnd, end)))")
        }
        let median = times.sorted()[times.count / 2]
        return Result(tokensPerSecond: Double(batch * seq) / median, medianStepMilliseconds: median * 1000,
                      parameterCount: model.parameterCount, finalLoss: loss)
    }
}
