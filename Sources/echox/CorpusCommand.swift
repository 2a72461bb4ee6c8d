import ArgumentParser
import Audio
import Foundation
import Training

/// `echox corpus …`: speech corpora synthesised from text.
struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Build speech corpora.",
        subcommands: [CorpusSynthCommand.self])
}

/// `echox corpus synth --text FILE.jsonl --voices LIST --out DIR`.
struct CorpusSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Render each text line in each voice (flite, espeak-ng) at 16 kHz and write DIR/manifest.jsonl.",
        discussion: """
        Voices: flite voices by name (kal, awb, rms, slt) or flite:NAME, espeak-ng variants as espeak:en-us+f3.
        'default' stands for the eight default input voices, 'target' for the target voice flite:slt.
        Items already in DIR are kept, so an interrupted build resumes.
        """)

    @Option(help: "JSONL file with {\"id\", \"text\"} (or \"question\") per line.") var text: String
    @Option(help: "Comma-separated voices, 'default' or 'target'.") var voices = "default"
    @Option(help: "Output folder.") var out: String
    @Option(help: "Use only the first N lines (0 for all).") var limit = 0
    @Option(help: "Skip the first N lines.") var skip = 0
    @Option(help: "Parallel synthesis workers.") var workers = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Seed of the espeak-ng speed and pitch jitter.") var seed: UInt64 = 0

    func validate() throws {
        guard limit >= 0, skip >= 0 else { throw ValidationError("--limit and --skip must not be negative") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
        let voiceList: [SpeechVoice]
        switch voices {
        case "default": voiceList = SpeechVoice.defaultInputs
        case "target": voiceList = [SpeechVoice.target]
        default: voiceList = try SpeechVoice.list(voices)
        }
        var texts = Array(try CorpusText.read(URL(fileURLWithPath: text)).dropFirst(skip))
        if limit > 0 { texts = Array(texts.prefix(limit)) }
        var builder = CorpusBuilder()
        builder.workers = workers
        builder.seed = seed
        let report = try builder.build(texts: texts, voices: voiceList, folder: URL(fileURLWithPath: out)) { print($0); fflush(stdout) }
        print(String(format: "corpus: %d entries (%d new, %d kept), %.1f min of audio, %.1f s", report.entries,
                     report.synthesised, report.reused, report.audioSeconds / 60, report.seconds))
    }
}
