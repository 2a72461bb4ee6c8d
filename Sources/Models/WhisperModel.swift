import Audio
import Foundation
import Formats
import Tensor
import Tokenizers

// MARK: - Model

/// A pretrained Whisper model from a CTranslate2 model folder (`model.bin`, `config.json`,
/// `vocabulary.txt`): the log-mel front end, the encoder (every layer's states), and greedy
/// transcription in English without timestamps.
public final class WhisperModel: @unchecked Sendable {
    public let config: WhisperConfig
    public let generation: WhisperGenerationConfig
    public let vocabulary: WhisperVocabulary
    public let encoder: WhisperEncoder
    public let decoder: WhisperDecoder
    public let frontEnd: WhisperLogMel
    /// The folder the model was read from.
    public let folder: URL

    /// Prompt tokens: <|startoftranscript|> [<|en|> <|transcribe|>] <|notimestamps|>.
    public let prompt: [Int]
    public var isMultilingual: Bool { config.vocabularySize >= 51_865 }

    /// Clips longer than this are refused (an hour: 120 windows of 30 s).
    public static let maxDuration: Double = 3600

    /// Reads the model in `folder` (a CTranslate2 Whisper folder, such as `echox model fetch whisper-tiny.en` makes).
    public static func load(_ folder: URL) throws -> WhisperModel { try WhisperModel(folder: folder) }

    public init(folder: URL) throws {
        let fm = FileManager.default
        for name in ["model.bin", "vocabulary.txt"] where !fm.fileExists(atPath: folder.appendingPathComponent(name).path) {
            throw WhisperError("\(folder.path) has no \(name): give the folder of a CTranslate2 Whisper model (echox model fetch whisper-tiny.en makes one)")
        }
        self.folder = folder
        let file = try CTranslate2File(url: folder.appendingPathComponent("model.bin"))
        config = try WhisperConfig(file: file)
        let configURL = folder.appendingPathComponent("config.json")
        if fm.fileExists(atPath: configURL.path) {
            do { generation = try JSONDecoder().decode(WhisperGenerationConfig.self, from: Data(contentsOf: configURL)) } catch {
                throw WhisperError("\(configURL.path) is not a valid Whisper config (\(error)); fetch the model again")
            }
        } else {
            generation = WhisperGenerationConfig()
        }
        vocabulary = try WhisperVocabulary(url: folder.appendingPathComponent("vocabulary.txt"))
        guard vocabulary.count == config.vocabularySize else {
            throw WhisperError("vocabulary.txt has \(vocabulary.count) tokens, the model \(config.vocabularySize); the folder mixes two models")
        }
        encoder = try WhisperEncoder(file: file, config: config)
        decoder = try WhisperDecoder(file: file, config: config)
        frontEnd = try WhisperLogMel(melCount: config.melCount)
        let vocabulary = self.vocabulary
        func token(_ s: String) throws -> Int {
            guard let id = vocabulary.id(of: s) else { throw WhisperError("the vocabulary has no \(s) token; it is not a Whisper vocabulary") }
            return id
        }
        let multilingual = config.vocabularySize >= 51_865
        let sot = try token("<|startoftranscript|>"), none = try token("<|notimestamps|>")
        let task = multilingual ? [try token("<|en|>"), try token("<|transcribe|>")] : []
        prompt = [sot] + task + [none]
    }

    // MARK: - Encoder

    /// Log-mel features [T, mels] of 16 kHz samples (see `WhisperLogMel`).
    public func logMel(_ samples: [Float]) throws -> Spectrogram { try frontEnd.compute(samples) }

    /// Every layer's hidden states for `logMel` [T, mels], T ≤ 3000, on the real length
    /// (no padding to 30 s; see the README for what that changes).
    public func encode(_ logMel: Spectrogram, keepLayers: Bool = true) throws -> WhisperEncoderOutput {
        try encoder.encode(logMel.values, frames: logMel.frames, keepLayers: keepLayers)
    }

    // MARK: - Transcription

    /// The text said in `clip` (any rate; resampled to 16 kHz). See `transcribe(samples:)`.
    public func transcribe(_ clip: AudioClip, window: WhisperWindow = .padded) throws -> WhisperTranscript {
        guard clip.sampleRate > 0 else { throw WhisperError("the clip has sample rate \(clip.sampleRate)") }
        return try transcribe(samples: clip.resampled(to: WhisperLogMel.sampleRate).samples, window: window)
    }

    /// Greedy transcription of 16 kHz samples, as faster-whisper does it with beam size 1, temperature
    /// 0 and no timestamps: the log-mel of the whole clip (160 zero samples appended) is cut into
    /// consecutive 30 s windows, each window's missing frames are zeros, and each window is decoded
    /// on its own from the prompt, up to <|endoftext|> or 224 tokens (`maxTokens`). The windows'
    /// texts are joined with spaces. Empty clips and clips over `maxDuration` are refused.
    /// With `window: .audio` the encoder sees only the audio's own frames (see `WhisperWindow`).
    public func transcribe(samples: [Float], window mode: WhisperWindow = .padded) throws -> WhisperTranscript {
        guard !samples.isEmpty else {
            throw WhisperError("the clip is empty (0 samples): there is nothing to transcribe; check the WAV file")
        }
        let duration = Double(samples.count) / Double(WhisperLogMel.sampleRate)
        guard duration <= WhisperModel.maxDuration else {
            throw WhisperError(String(format: "the clip lasts %.0f s, more than the %.0f s transcription takes at once; cut it into shorter files", duration, WhisperModel.maxDuration))
        }
        var clock = ContinuousClock.now
        var timings = WhisperTimings()
        func lap(_ stage: WritableKeyPath<WhisperTimings, Double>) {
            let now = ContinuousClock.now
            let d = (now - clock).components
            timings[keyPath: stage] += Double(d.seconds) + Double(d.attoseconds) * 1e-18
            clock = now
        }
        let mel = try frontEnd.compute(samples)
        lap(\.logMel)
        // faster-whisper's content frames: the padded features less their last frame.
        let content = max(1, mel.frames - 1)
        var tokens: [[Int]] = []
        var seek = 0
        while seek < content {
            let size = min(WhisperLogMel.windowFrames, content - seek)
            let part = try Spectrogram(frames: size, bins: mel.bins, values: Array(mel.values[(seek * mel.bins)..<((seek + size) * mel.bins)]))
            let window = mode == .padded ? WhisperLogMel.window(part) : part
            let audio = try encoder.encode(window.values, frames: window.frames, keepLayers: false)
            lap(\.encoder)
            tokens.append(try greedy(audio))
            lap(\.decoder)
            seek += size
        }
        let text = tokens.map { vocabulary.decode($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        return WhisperTranscript(text: text, tokens: tokens, duration: duration, timings: timings)
    }

    /// Greedy tokens (prompt and <|endoftext|> excluded) for one 30 s window of log-mel [3000, mels].
    public func decodeWindow(_ window: Spectrogram) throws -> [Int] {
        let audio = try encoder.encode(window.values, frames: window.frames, keepLayers: false)
        return try greedy(audio)
    }

    /// Tokens decoded at most per window: half the decoder's positions (224). CTranslate2 generates
    /// at most max_length / 2 tokens for Whisper (measured: max_length 448, 20, 10 give 224, 10, 5),
    /// and faster-whisper asks for 448.
    public static func maxTokens(_ config: WhisperConfig) -> Int { config.textContext / 2 }

    /// Greedy decoding from the prompt: suppressed ids never win; the blank and <|endoftext|>
    /// (`suppress_ids_begin`) cannot be the first token. Stops at <|endoftext|> or `maxTokens`.
    public func greedy(_ audio: WhisperEncoderOutput, maxTokens: Int? = nil) throws -> [Int] {
        let state = try decoder.start(audio)
        for token in prompt { try decoder.step(token, state) }
        let limit = min(maxTokens ?? Int.max, WhisperModel.maxTokens(config), config.textContext - prompt.count)
        var out: [Int] = []
        while out.count < limit {
            for id in generation.suppressIDs where id >= 0 && id < state.logits.count { state.logits[id] = -.infinity }
            if out.isEmpty {
                for id in generation.suppressIDsBegin where id >= 0 && id < state.logits.count { state.logits[id] = -.infinity }
            }
            var best = 0
            state.logits.withUnsafeBufferPointer { l in
                for i in 1..<l.count where l[i] > l[best] { best = i }
            }
            if best == vocabulary.endOfText { break }
            out.append(best)
            if out.count < limit { try decoder.step(best, state) }
        }
        return out
    }
}

/// What the encoder sees of a clip shorter than 30 s.
public enum WhisperWindow: String, Sendable, CaseIterable {
    /// The 30 s window Whisper was trained on, zeros after the audio (faster-whisper's input).
    case padded
    /// Only the audio's frames: a shorter encoder pass and cross-attention over fewer positions, but
    /// an input the model never saw in training, so transcripts can differ (see the README).
    case audio
}

/// What `WhisperModel.transcribe` heard.
public struct WhisperTranscript: Sendable, Equatable {
    public let text: String
    /// Generated ids of each 30 s window.
    public let tokens: [[Int]]
    /// Seconds of audio.
    public let duration: Double
    /// Seconds spent in each stage.
    public var timings = WhisperTimings()

    public static func == (a: WhisperTranscript, b: WhisperTranscript) -> Bool {
        a.text == b.text && a.tokens == b.tokens && a.duration == b.duration
    }
}

/// Wall-clock seconds of each stage of a transcription.
public struct WhisperTimings: Sendable {
    public var logMel = 0.0, encoder = 0.0, decoder = 0.0
    public var total: Double { logMel + encoder + decoder }
}
