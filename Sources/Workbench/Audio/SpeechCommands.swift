import Audio
import Foundation
import Tensor

// MARK: - say

/// `say [voice=V] <text…>`: speaks a sentence with flite or espeak-ng into a WAV that becomes the current sample.
public final class SayCommand: WorkbenchCommand {
    public let name = "say"
    public let usage = "say [voice=slt|kal|awb|rms|espeak:en-us+f3|festival:ked_diphone] <text…>"
    public let summary = "synthesise a sentence to a WAV (runs/<run>/audio) and make it the current sample"
    public let arguments = [ArgumentSpec("text", variadic: true)]
    public init() {}

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        index == 0 ? .words(["voice=awb", "voice=kal", "voice=rms", "voice=slt"]) : .none
    }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        // The voice option leads (`voice=V`, `--voice V`, `--voice=V`); every word after it is the
        // sentence, which may itself hold `=` or `--`.
        var optionWords = 0
        while optionWords < words.count {
            let word = words[optionWords]
            if word == "--voice" { optionWords += 2 } else if word.hasPrefix("voice=") || word.hasPrefix("--voice=") { optionWords += 1 } else { break }
        }
        let options = try CommandOptions(Array(words.prefix(optionWords)), specs: [OptionSpec("voice")], usage: usage)
        let text = Array(words.dropFirst(optionWords))
        var voice = SpeechVoice(engine: .flite, name: "kal")
        if let name = options["voice"] { voice = try library { try SpeechVoice(parsing: name) } }
        guard !text.isEmpty else { throw WorkbenchError.usage(usage) }
        let sentence = text.joined(separator: " ")
        let synthesizer = SpeechSynthesizer()
        var rng = SeededRandom(seed: UInt64(context.state.settings.int("seed") ?? 0))
        let clip = try library { () throws -> AudioClip in
            try synthesizer.check([voice])
            return try synthesizer.render(sentence, voice: voice, rng: &rng)
        }
        let url = try AudioPaths.outputFolder(in: context).appendingPathComponent("\(AudioPaths.slug(sentence)).\(voice.fileTag).wav")
        try library { try AudioFile.write(clip, to: url) }
        context.state.currentSample = url.path
        context.state.lastOutputs["wav"] = url.path
        context.print(String(format: "said \"%@\" in %@: %.2f s", sentence, voice.description, clip.duration))
        context.print("wav: \(url.path) (now the current sample)")
        return CommandResult(artifacts: [Artifact(.audio, url, title: "\(voice.description): \(sentence)")])
    }
}

// MARK: - play

/// `play [wav]`: plays a file on the audio device, or prints where it is when there is none;
/// `play input|target|annotated|output [SAMPLE]` and `play pair A B` play the loaded Echo run's sounds.
public final class PlayCommand: WorkbenchCommand {
    public let name = "play"
    public let usage = "play [wav] | play input|target|annotated|output [SAMPLE] | play pair WORD WORD"
    public let summary = "play a WAV (default: the last one made) through aplay/paplay/play, or print its path; an Echo run's question, targets and output"
    public let arguments = [ArgumentSpec("wav", completion: .filePath, optional: true), ArgumentSpec("more", variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        if let first = words.first, EchoPlay.kinds.contains(first) { return try EchoPlay.run(words, in: context) }
        guard words.count <= 1 else { throw WorkbenchError.usage(usage) }
        let url: URL
        if let word = words.first {
            url = try AudioPaths.existingFile(AudioPaths.url(word, in: context))
        } else if let last = context.state.lastOutputs["wav"] ?? context.state.currentSample {
            url = try AudioPaths.existingFile(URL(fileURLWithPath: last))
        } else {
            throw WorkbenchError.invalidArgument("nothing to play yet — usage: \(usage) (or make one with `say <text>` or `units resynth`)")
        }
        context.print(AudioPlayer.play(url: url).description)
        return .ok
    }
}
