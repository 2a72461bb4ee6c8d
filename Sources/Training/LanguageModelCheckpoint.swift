import Foundation
import Optim

extension LanguageModelTrainer {
    /// Saves the whole training state (atomically) to `url`.
    public func saveCheckpoint(to url: URL) throws {
        let settingsJSON = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        let configJSON = String(decoding: try JSONEncoder().encode(model.config), as: UTF8.self)
        try Checkpoint.save(model: model, optimizer: optimizer, rng: rng,
                            extra: ["settings": settingsJSON, "model.config": configJSON], to: url)
    }

    /// Restores a state written by `saveCheckpoint`; the trainer must have the same model shape.
    public func loadCheckpoint(from url: URL) throws {
        try Checkpoint.load(model: model, optimizer: optimizer, rng: &rng, from: url)
    }
}
