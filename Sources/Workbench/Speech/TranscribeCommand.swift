import Audio
import Foundation
import Models

// MARK: - transcribe

/// `transcribe [model=whisper-tiny.en|whisper-base|PATH] [wav…]`: what was said in each WAV, by greedy
/// Whisper decoding (English, no timestamps). Without a WAV, the current sample.
public final class TranscribeCommand: WorkbenchCommand {
    public let name = "transcribe"
    public let usage = "transcribe [model=whisper-tiny.en|whisper-base|PATH] [window=padded|audio] [timings=on] [wav…]"
    public let summary = "print what was said in WAV files (default: the current sample) with a pretrained Whisper model"
    public let help = """
        transcribe [model=whisper-tiny.en|whisper-base|PATH] [window=padded|audio] [timings=on] [wav…]
          Greedy Whisper transcription in English, without timestamps, as faster-whisper does it with
          beam size 1 and temperature 0. model= names a fetched model (echox model fetch whisper-tiny.en)
          or a CTranslate2 Whisper folder; the default is whisper-tiny.en. Audio longer than 30 s is
          transcribed in consecutive 30 s windows; up to an hour per file. One WAV prints its text; several
          print one `file: text` line each. window=audio runs the encoder on the audio's own length
          instead of the 30 s window (faster, but the model was trained on 30 s windows). timings=on adds, per file, the seconds of the log-mel,
          encoder and decoder stages, the tokens made and the real-time factor, then a total.
        """
    public let arguments = [ArgumentSpec("wav", completion: .filePath, optional: true, variadic: true)]
    public static let defaultModel = "whisper-tiny.en"

    /// The last model used, kept for the next call.
    private var loaded: (path: String, model: WhisperModel)?

    public init() {}

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        previous.contains(where: { $0.hasPrefix("model=") }) ? .filePath : .words(["model=whisper-tiny.en", "model=whisper-base"])
    }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let (options, files) = try AudioPaths.options(words, known: ["model", "window", "timings"], usage: usage)
        let urls = files.isEmpty ? [try AudioPaths.inputAudio(nil, in: context, usage: usage)]
                                 : try files.map { try AudioPaths.inputAudio($0, in: context, usage: usage) }
        guard let window = WhisperWindow(rawValue: options["window"] ?? "padded") else {
            throw WorkbenchError.invalidArgument("window= is padded (the 30 s window, the default) or audio (the audio's own length); usage: \(usage)")
        }
        let model = try self.model(options["model"] ?? TranscribeCommand.defaultModel, in: context)
        let began = ContinuousClock.now
        var seconds = 0.0
        for url in urls {
            if Interrupt.isPending { return CommandResult(wasInterrupted: true) }
            let transcript = try library { try model.transcribe(AudioFile.read(url), window: window) }
            seconds += transcript.duration
            context.print(urls.count == 1 ? transcript.text : "\(url.lastPathComponent): \(transcript.text)")
            if options["timings"] == "on" {
                let t = transcript.timings, tokens = transcript.tokens.reduce(0) { $0 + $1.count }
                context.print(String(format: "  %.2f s of audio: log-mel %.1f ms, encoder %.1f ms, decoder %.1f ms (%d tokens), real-time factor %.3f",
                                     transcript.duration, t.logMel * 1000, t.encoder * 1000, t.decoder * 1000, tokens, t.total / transcript.duration))
            }
        }
        if options["timings"] == "on" {
            let d = (ContinuousClock.now - began).components, wall = Double(d.seconds) + Double(d.attoseconds) * 1e-18
            context.print(String(format: "total: %d files, %.2f s of audio in %.3f s (files read, transcribed and printed), real-time factor %.3f",
                                 urls.count, seconds, wall, wall / max(seconds, 1e-9)))
        }
        return .ok
    }

    /// The model named or found at `word`, loaded once.
    private func model(_ word: String, in context: CommandContext) throws -> WhisperModel {
        let folder: URL
        if ModelStore.known.contains(where: { $0.name == word }) {
            folder = try library { try ModelStore.resolve(word) }
        } else {
            folder = AudioPaths.url(word, in: context)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw WorkbenchError.invalidArgument("model=\(word) is neither whisper-tiny.en, whisper-base nor a CTranslate2 Whisper folder — fetch one with `model fetch whisper-tiny.en`")
            }
        }
        if let loaded, loaded.path == folder.path { return loaded.model }
        let model = try library { try WhisperModel.load(folder) }
        loaded = (folder.path, model)
        return model
    }
}
