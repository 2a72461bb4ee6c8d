import Foundation
import Models
import NN
import Optim
import Tensor

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
    public var seed: UInt64 = 0
    public var logInterval = 25
    public var checkpointInterval = 100
    public init() {}
}

/// Trains a `SpeechEncoder` with CTC on character transcripts; resumable from a state file.
public final class SpeechEncoderTrainer {
    public let encoder: SpeechEncoder
    public let config: SpeechEncoderTrainingConfig
    let optimizer: AdamW
    var rng: SeededRandom
    let batches: [[Int]]
    let utterances: [EncoderUtterance]

    public init(encoder: SpeechEncoder, config: SpeechEncoderTrainingConfig, utterances: [EncoderUtterance]) throws {
        let usable = utterances.filter { !$0.labels.isEmpty && $0.frames >= 4 }
        guard !usable.isEmpty else { throw UnitsModelError("no utterance with audio and a transcript to train the speech encoder on") }
        self.encoder = encoder
        self.config = config
        self.utterances = usable
        let noDecay = Set(encoder.namedParameters.map(\.0).filter { $0.hasSuffix("bias") || $0.contains("Norm") })
        optimizer = AdamW(encoder.trainableParameters, learningRate: config.peakLearningRate,
                          weightDecay: config.weightDecay, noDecay: noDecay)
        rng = SeededRandom(seed: config.seed)
        // Length-sorted batches under the frame budget.
        let order = usable.indices.sorted { usable[$0].frames < usable[$1].frames }
        var batches: [[Int]] = [], current: [Int] = []
        for index in order {
            let longest = max(current.map { usable[$0].frames }.max() ?? 0, usable[index].frames)
            if !current.isEmpty && longest * (current.count + 1) > config.batchFrames { batches.append(current); current = [] }
            current.append(index)
        }
        if !current.isEmpty { batches.append(current) }
        self.batches = batches
    }

    public var step: Int { optimizer.stepCount }

    /// Trains up to `config.steps`, saving the state to `stateURL` every `checkpointInterval` steps.
    /// When `shouldStop` says so at a step boundary, saves the state and throws `UnitsTrainingStopped`.
    public func train(stateURL: URL?, shouldStop: () -> Bool = { false }, log: (String) -> Void) throws {
        if let stateURL, try UnitsTrainingState.load(model: encoder, optimizer: optimizer, rng: &rng, from: stateURL) {
            log("encoder: resumed at step \(step)")
        }
        let schedule = WarmupCosine(peak: config.peakLearningRate, warmupSteps: min(config.warmupSteps, max(1, config.steps / 5)),
                                    totalSteps: config.steps, minRate: config.peakLearningRate * 0.05)
        encoder.train()
        var lossSum: Float = 0, lossCount = 0, framesSeen = 0
        var clock = Date()
        while step < config.steps {
            if shouldStop() {
                try UnitsTrainingState.stop(model: encoder, optimizer: optimizer, rng: rng, stateURL: stateURL,
                                            at: "encoder step \(step)/\(config.steps)")
            }
            let batch = batches[rng.int(below: batches.count)]
            optimizer.learningRate = schedule.rate(at: step)
            let (features, lengths) = Self.pad(batch.map { utterances[$0] })
            let output = try encoder(features, lengths: lengths)
            let loss = try ctcLoss(output.logits.logSoftmax(), targets: batch.map { utterances[$0].labels },
                                   inputLengths: output.lengths, zeroInfinity: true)
            optimizer.zeroGrad()
            loss.backward()
            _ = Gradients.clip(encoder.trainableParameters.map(\.1), maxNorm: config.clipNorm)
            optimizer.step()
            lossSum += loss.item; lossCount += 1
            framesSeen += lengths.reduce(0, +)
            if step % config.logInterval == 0 || step == config.steps {
                let seconds = Date().timeIntervalSince(clock)
                log(String(format: "encoder: step %d/%d  ctc %.3f  lr %.2e  %.1f audio-s/s", step, config.steps,
                           lossSum / Float(max(lossCount, 1)), optimizer.learningRate, Double(framesSeen) / 100 / max(seconds, 1e-3)))
                lossSum = 0; lossCount = 0; framesSeen = 0; clock = Date()
            }
            if let stateURL, step % config.checkpointInterval == 0 || step == config.steps {
                try UnitsTrainingState.save(model: encoder, optimizer: optimizer, rng: rng, to: stateURL)
            }
        }
        encoder.eval()
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

// MARK: - Greedy transcription

extension SpeechEncoder {
    /// Greedy CTC transcript of normalised log-mel frames [frames, 80].
    public func transcribe(features: [Float], frames: Int) throws -> String {
        let x = Tensor(features, shape: [1, frames, config.melBins])
        let output = try Autograd.noGrad { try self(x, lengths: [frames]) }
        let labels = try CTCGreedy.decode(output.logits, lengths: output.lengths)
        return CTCAlphabet.text(labels[0])
    }

    /// Features of layer `layer` (0 = subsampled input, `config.layers` = last) for one utterance: [T', C].
    public func layerFeatures(features: [Float], frames: Int, layer: Int) throws -> Tensor {
        guard layer >= 0 && layer <= config.layers else {
            throw UnitsModelError("unit layer \(layer) outside 0...\(config.layers) of the speech encoder")
        }
        let x = Tensor(features, shape: [1, frames, config.melBins])
        let output = try Autograd.noGrad { try self(x, lengths: [frames], throughLayer: layer) }
        let h = output.hidden[layer]
        return h.reshaped([h.shape[1], h.shape[2]])
    }
}
