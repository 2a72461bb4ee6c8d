import Audio
import Foundation
import Models

/// Whisper's greedy English transcription (`WhisperModel.transcribe`, the 30 s window faster-whisper uses).
public final class WhisperRecogniser: SpeechRecogniser {
    public let model: WhisperModel
    /// The model folder's name (`whisper-tiny.en`).
    public let name: String

    public init(model: WhisperModel) {
        self.model = model
        name = model.folder.lastPathComponent
    }

    public func transcribe(_ files: [URL]) throws -> [String] {
        try files.map { url in
            try model.transcribe(AudioFile.read(url, sampleRate: 16_000)).text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
