import Foundation
import Models
import NN
import Optim
import Tensor
import Units

/// One utterance for CTC training: normalised log-mel [frames, 80] and its character labels.
public struct EncoderUtterance: Sendable {
    public var features: [Float]
    public var frames: Int
    public var labels: [Int32]
    public init(features: [Float], frames: Int, labels: [Int32]) {
        self.features = features; self.frames = frames; self.labels = labels
    }
}

/// Settings of the speech encoder's CTC training.
public struct SpeechEncoderTrainingConfig: Codable, Equatable, Sendable {
    public var steps = 500
    /// Padded input frames per batch (batch size × longest item); batches hold similar lengths.
    public var batchFrames = 2400
    public var peakLearningRate: Float = 2e-3
    public var warmupSteps = 60
    public var weightDecay: Float = 0.01
    public var clipNorm: Float = 1
    public init() {}

    /// The trainer framework's settings for this stage.
    public func optimization(seed: UInt64) -> OptimizationConfig {
        var c = OptimizationConfig()
        c.learningRate = peakLearningRate
        c.warmupSteps = min(warmupSteps, max(1, steps / 5))
        c.totalSteps = steps
        c.minRateFraction = 0.05
        c.weightDecay = weightDecay
        c.gradientClip = clipNorm
        c.seed = seed
        c.stopsAtTotal = true
        return c
    }
}

/// CTC training of a `SpeechEncoder` on character transcripts: length-sorted batches under a frame
/// budget, one drawn at random per step.
public final class SpeechEncoderTask: GradientTask {
    public let encoder: SpeechEncoder
    let batches: [[Int]]
    let utterances: [EncoderUtterance]

    public init(encoder: SpeechEncoder, batchFrames: Int, utterances: [EncoderUtterance]) throws {
        let usable = utterances.filter { !$0.labels.isEmpty && $0.frames >= 4 }
        guard !usable.isEmpty else { throw TrainingError("no utterance with audio and a transcript to train the speech encoder on") }
        self.encoder = encoder
        self.utterances = usable
        let order = usable.indices.sorted { usable[$0].frames < usable[$1].frames }
        var batches: [[Int]] = [], current: [Int] = []
        for index in order {
            let longest = max(current.map { usable[$0].frames }.max() ?? 0, usable[index].frames)
            if !current.isEmpty && longest * (current.count + 1) > batchFrames { batches.append(current); current = [] }
            current.append(index)
        }
        if !current.isEmpty { batches.append(current) }
        self.batches = batches
    }

    public var name: String { "encoder" }
    public var model: Module { encoder }

    /// Biases and norms without weight decay.
    public func parameterGroups(weightDecay: Float) -> [ParameterGroup] {
        let all = encoder.trainableParameters
        let plain = { (name: String) in name.hasSuffix("bias") || name.contains("Norm") }
        return [ParameterGroup("decay", all.filter { !plain($0.0) }, weightDecay: weightDecay),
                ParameterGroup("no-decay", all.filter { plain($0.0) }, weightDecay: 0)].filter { !$0.parameters.isEmpty }
    }

    public func loss(rng: inout SeededRandom) throws -> TaskLoss {
        let batch = batches[rng.int(below: batches.count)]
        let items = batch.map { utterances[$0] }
        let (features, lengths) = Self.pad(items)
        let output = try encoder(features, lengths: lengths)
        let logProbs = output.logits.logSoftmax()
        let loss = try ctcLoss(logProbs, targets: items.map(\.labels), inputLengths: output.lengths, zeroInfinity: true)
        return TaskLoss(total: loss, terms: ["ctc": Double(loss.item)], tokens: lengths.reduce(0, +)) {
            let heard = (try? CTCGreedy.decode(output.logits, lengths: output.lengths)).map { CTCAlphabet.text($0[0]) } ?? "?"
            return [.init("transcript", CTCAlphabet.text(items[0].labels)), .init("greedy CTC", heard)]
        }
    }

    public func describe() -> [(String, String)] {
        let c = encoder.config
        return [("model", "speech encoder, \(c.layers) layers × \(c.dim)"),
                ("data", "\(utterances.count) utterances in \(batches.count) length-sorted batches")]
    }

    /// Pads items to one [B, Tmax, 80] tensor (zeros after each item's frames).
    static func pad(_ items: [EncoderUtterance]) -> (Tensor, [Int]) {
        let longest = items.map(\.frames).max() ?? 1
        let bins = items.first.map { $0.features.count / max($0.frames, 1) } ?? 80
        let out = Tensor(zeros: [items.count, longest, bins])
        for (i, item) in items.enumerated() {
            item.features.withUnsafeBufferPointer { (out.data + i * longest * bins).update(from: $0.baseAddress!, count: item.frames * bins) }
        }
        return (out, items.map(\.frames))
    }
}
