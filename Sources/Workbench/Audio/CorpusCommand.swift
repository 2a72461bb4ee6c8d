import Audio
import Formats
import Foundation
import Training

/// `corpus synth <text-file> [voices=…] [out=…] [limit=N]`: a speech corpus through `CorpusBuilder`.
public final class CorpusCommand: WorkbenchCommand {
    public let name = "corpus"
    public let usage = "corpus synth <text-file> [voices=slt,kal|default|target] [out=NAME|PATH] [limit=N] [skip=N] [workers=N] [seed=N]"
    public let summary = "synthesise a speech corpus (flite, espeak-ng) from a text file, for `units train`"
    public let help = """
        corpus synth <text-file> [voices=LIST] [out=NAME|PATH] [limit=N] [skip=N] [workers=N] [seed=N]
            Renders every line of the text file (plain text: one sentence a line; or JSONL with {"id", "text"}),
            after skipping skip= lines and up to limit= lines, on workers= threads (default: every core)
            in every voice at 16 kHz into out= (default $ECHOX_HOME/corpora/<text-file name>) with a
            manifest.jsonl. Voices: flite names (kal, awb, rms, slt), espeak:en-us+f3, `default` (eight voices)
            or `target` (flite:slt). WAVs already there are kept, so a second run only checks them; seed= (default
            `set seed`) draws the espeak-ng speed and pitch.
        """
    public let arguments = [ArgumentSpec("action", completion: .words(["synth"])), ArgumentSpec("text-file", completion: .filePath),
                            ArgumentSpec("options", optional: true, variadic: true)]
    public init() {}

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        switch index {
        case 0: return .words(["synth"])
        case 1: return .filePath
        default: return .words(["limit=", "out=", "seed=", "skip=", "voices=default", "voices=slt,kal", "voices=target", "workers="])
        }
    }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard words.first == "synth" else {
            throw WorkbenchError.invalidArgument("unknown corpus subcommand '\(words[0])' — use: \(usage)")
        }
        let parsed = try CommandOptions(Array(words.dropFirst()), specs: ["voices", "out", "text", "limit", "skip", "workers", "seed"].map { OptionSpec($0) },
                                        usage: usage)
        let options = parsed.values
        let rest = parsed.positional + (parsed["text"].map { [$0] } ?? [])
        guard rest.count == 1 else { throw WorkbenchError.usage(usage) }
        let textURL = try AudioPaths.existingFile(AudioPaths.url(rest[0], in: context))
        let skip = try parsed.int("skip", in: 0...Int(Int32.max)) ?? 0
        var texts = Array(try library { try CorpusText.read(textURL) }.dropFirst(skip))
        if let limit = try parsed.int("limit", in: 1...Int(Int32.max)) { texts = Array(texts.prefix(limit)) }
        guard !texts.isEmpty else { throw WorkbenchError.invalidArgument("no lines left after skip=\(skip) in \(textURL.path)") }
        let voices: [SpeechVoice]
        switch options["voices"] ?? "default" {
        case "default": voices = SpeechVoice.defaultInputs
        case "target": voices = [SpeechVoice.target]
        case let list: voices = try library { try SpeechVoice.list(list) }
        }
        let folder = options["out"].map { $0.contains("/") ? AudioPaths.url($0, in: context) : Self.corporaRoot(context).appendingPathComponent($0) }
            ?? Self.corporaRoot(context).appendingPathComponent(textURL.deletingPathExtension().lastPathComponent, isDirectory: true)
        context.print("corpus synth: \(texts.count) lines × \(voices.count) voices (\(voices.map(\.description).joined(separator: ", "))) → \(folder.path)")
        var builder = CorpusBuilder()
        builder.seed = UInt64(try parsed.int("seed", in: 0...Int(Int32.max)) ?? context.state.settings.int("seed") ?? 0)
        builder.workers = try parsed.int("workers", in: 1...256) ?? builder.workers
        builder.flushInterval = 100
        builder.shouldStop = { context.isCancelled }
        let report = try library { try builder.build(texts: texts, voices: voices, folder: folder) { context.print($0) } }
        context.print(String(format: "corpus: %d entries (%d new, %d kept), %.1f min of audio, in %@", report.entries,
                             report.synthesised, report.reused, report.audioSeconds / 60, formatDuration(report.seconds)))
        context.state.lastOutputs["corpus"] = folder.path
        return .ok
    }

    private static func corporaRoot(_ context: CommandContext) -> URL {
        context.state.home.appendingPathComponent("corpora", isDirectory: true)
    }

    // MARK: Texts and folders

    /// A corpus folder: `word` as a path when it holds a manifest, else `$ECHOX_HOME/corpora/<word>`.
    static func corpusFolder(_ word: String, in context: CommandContext) throws -> URL {
        let direct = AudioPaths.url(word, in: context)
        let named = corporaRoot(context).appendingPathComponent(word, isDirectory: true)
        for folder in [direct, named] where FileManager.default.fileExists(atPath: folder.appendingPathComponent(CorpusManifest.fileName).path) {
            return folder
        }
        throw WorkbenchError.invalidArgument("no corpus '\(word)' (no manifest.jsonl in \(direct.path) or \(named.path)) — make one with `corpus synth <text-file>`")
    }

    /// Names of the corpora in `root` (folders holding a manifest).
    static func corpusNames(in root: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent(CorpusManifest.fileName).path) }.sorted()
    }
}
