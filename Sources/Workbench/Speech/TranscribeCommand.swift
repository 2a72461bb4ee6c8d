import Audio
import Foundation
import Models

// MARK: - transcribe

/// `transcribe [model=whisper-tiny.en|whisper-base|PATH] [wav…]`: what was said in each WAV, by greedy
/// Whisper decoding (English, no timestamps). Without a WAV, the current sample.
public final class TranscribeCommand: WorkbenchCommand {
    public let name = "transcribe"
    public let usage = "transcribe [model=whisper-tiny.en|whisper-base|PATH] [wav…]"
    public let summary = "print what was said in WAV files (default: the current sample) with a pretrained Whisper model"
    public let help = """
        transcribe [model=whisper-tiny.en|whisper-base|PATH] [wav…]
          Greedy Whisper transcription in English, without timestamps, as faster-whisper does it with
          beam size 1 and temperature 0. model= names a fetched model (echox model fetch whisper-tiny.en)
          or a CTranslate2 Whisper folder; the default is whisper-tiny.en. Audio longer than 30 s is
          transcribed in consecutive 30 s windows; up to an hour per file. One WAV prints its text; several
          print one `file: text` line each.
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
        let (options, files) = try AudioPaths.options(words, known: ["model"], usage: usage)
        let urls = files.isEmpty ? [try AudioPaths.inputAudio(nil, in: context, usage: usage)]
                                 : try files.map { try AudioPaths.inputAudio($0, in: context, usage: usage) }
        let model = try self.model(options["model"] ?? TranscribeCommand.defaultModel, in: context)
        for url in urls {
            if Interrupt.isPending { return CommandResult(wasInterrupted: true) }
            let transcript = try library { try model.transcribe(AudioFile.read(url)) }
            context.print(urls.count == 1 ? transcript.text : "\(url.lastPathComponent): \(transcript.text)")
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
