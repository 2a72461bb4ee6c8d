import Audio
import Foundation
import Formats
import Models
import Tensor

/// The frozen speech encoder's states of each utterance, computed once and kept beside the corpus
/// (`<folder>/<id>.safetensors`, written atomically), so S2T training reads them instead of running
/// Whisper every epoch. A cache file that cannot be read, or that another model wrote, is recomputed.
public struct EncoderStateCache {
    public let model: WhisperModel
    public let folder: URL
    /// Names the model in each file, so states of another encoder are never mixed in.
    public let modelTag: String

    public init(model: WhisperModel, folder: URL) {
        self.model = model
        self.folder = folder
        modelTag = "\(model.folder.lastPathComponent):\(model.config.width)x\(model.config.encoderLayers)"
    }

    /// What one utterance's states are: [frames, width], after the encoder's final LayerNorm.
    public struct States: Sendable {
        public var values: [Float]
        public var frames: Int
        public var width: Int
        /// True when they came from the cache.
        public var cached: Bool
    }

    /// The states of `audio` (any rate the audio reader takes; at most 30 s), from the cache when there.
    public func states(id: String, audio: URL) throws -> States {
        let file = folder.appendingPathComponent(Self.fileName(id))
        if let hit = try? read(file) { return hit }
        let clip = try AudioFile.read(audio, sampleRate: 16_000)
        guard clip.duration <= 30 else {
            throw TrainingError("\(audio.path) lasts \(String(format: "%.1f", clip.duration)) s; spoken questions for S2T must fit Whisper's 30 s window — cut it shorter")
        }
        let output = try model.encode(try model.logMel(clip.samples), keepLayers: false)
        let tensor = Tensor(output.final, shape: [output.positions, output.width])
        try Safetensors.write([("states", tensor)], metadata: ["encoder": modelTag], to: file)
        return States(values: output.final, frames: output.positions, width: output.width, cached: false)
    }

    private func read(_ file: URL) throws -> States {
        let saved = try Safetensors.read(file)
        guard saved.metadata["encoder"] == modelTag else { throw TrainingError("states of another encoder") }
        let tensor = try saved.tensor(named: "states")
        guard tensor.rank == 2, tensor.shape[1] == model.config.width, tensor.shape[0] >= 1 else { throw TrainingError("malformed states") }
        return States(values: tensor.scalars, frames: tensor.shape[0], width: tensor.shape[1], cached: true)
    }

    /// A file name for an utterance id (letters, digits, '.', '-', '_' kept).
    static func fileName(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }) + ".safetensors"
    }
}
