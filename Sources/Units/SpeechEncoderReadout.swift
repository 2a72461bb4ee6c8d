import Models
import NN
import Tensor

// MARK: - What a trained speech encoder hears

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
