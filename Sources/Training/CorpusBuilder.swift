import Audio
import Dispatch
import Foundation
import Tensor

/// Renders texts in several voices into a corpus folder: `audio/<id>.wav` (16-bit, 16 kHz) and
/// `manifest.jsonl`. Items whose WAV already exists are kept (the build resumes); work runs on
/// `workers` threads; the manifest is rewritten atomically every `flushInterval` items and at the end.
public struct CorpusBuilder {
    public var synthesizer = SpeechSynthesizer()
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var seed: UInt64 = 0
    public var flushInterval = 200
    /// Asked after every `flushInterval` items (with the manifest written): true stops the build.
    public var shouldStop: () -> Bool = { false }
    /// Variation laid over every rendered utterance (none by default).
    public var augmentation = SpeechAugmentation.none

    public init() {}

    /// What a build did.
    public struct Report: Sendable {
        public var entries: Int
        public var synthesised: Int
        public var reused: Int
        public var seconds: Double
        public var audioSeconds: Double
    }

    /// Builds (or completes) the corpus in `folder` for every text × voice.
    @discardableResult
    public func build(texts: [CorpusText], voices: [SpeechVoice], folder: URL,
                      progress: (String) -> Void = { _ in }) throws -> Report {
        try build(utterances: texts.flatMap { text in voices.map { (text, $0) } }, folder: folder, progress: progress)
    }

    /// Builds (or completes) the corpus in `folder` with one utterance per (text, voice) pair.
    @discardableResult
    public func build(utterances jobs: [(CorpusText, SpeechVoice)], folder: URL,
                      progress: (String) -> Void = { _ in }) throws -> Report {
        guard !jobs.isEmpty else { throw CorpusError("the text file has no lines: give at least one {\"id\", \"text\"} line") }
        try augmentation.validate()
        try synthesizer.check(Array(Set(jobs.map(\.1))).sorted { $0.description < $1.description })
        let audioFolder = folder.appendingPathComponent("audio", isDirectory: true)
        try FileManager.default.createDirectory(at: audioFolder, withIntermediateDirectories: true)
        let start = Date()
        let results = JobResults(count: jobs.count)
        var done = 0, synthesised = 0
        for batchStart in stride(from: 0, to: jobs.count, by: flushInterval) {
            let batch = batchStart..<min(jobs.count, batchStart + flushInterval)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in stride(from: batch.lowerBound + worker, to: batch.upperBound, by: workers) {
                    results.set(index, Result { try renderJob(jobs[index].0, jobs[index].1, audioFolder: audioFolder) })
                }
            }
            for index in batch {
                switch results.get(index)! {
                case .success(let (_, fresh)): if fresh { synthesised += 1 }
                case .failure(let error): throw error
                }
            }
            done = batch.upperBound
            let entries = (0..<done).compactMap { try? results.get($0)?.get().0 }
            try CorpusManifest.write(entries, to: folder.appendingPathComponent(CorpusManifest.fileName))
            let elapsed = Date().timeIntervalSince(start)
            progress(String(format: "corpus: %d/%d items (%d synthesised), %.1f items/s", done, jobs.count, synthesised,
                            Double(done) / max(elapsed, 1e-3)))
            if done < jobs.count, shouldStop() { throw CorpusError("stopped after \(done) of \(jobs.count) items; they are kept in \(folder.path), and the same command goes on from there") }
        }
        let entries = (0..<jobs.count).compactMap { try? results.get($0)?.get().0 }
        return Report(entries: entries.count, synthesised: synthesised, reused: entries.count - synthesised,
                      seconds: Date().timeIntervalSince(start), audioSeconds: entries.reduce(0) { $0 + $1.duration })
    }

    /// The WAV of one text in one voice (reused when present); returns its entry and whether it was made now.
    func renderJob(_ text: CorpusText, _ voice: SpeechVoice, audioFolder: URL) throws -> (CorpusEntry, Bool) {
        let id = "\(text.id).\(voice.fileTag)"
        let safeName = id.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" }
        let file = audioFolder.appendingPathComponent(String(safeName) + ".wav")
        var fresh = false
        var clip: AudioClip
        if FileManager.default.fileExists(atPath: file.path), let existing = try? AudioFile.read(file) {
            clip = existing
        } else {
            var rng = SeededRandom(seed: seed ^ Self.stableHash(id))
            clip = try augmentation.apply(try synthesizer.render(text.text, voice: voice, rng: &rng), rng: &rng)
            try AudioFile.write(clip, to: file)
            fresh = true
        }
        let entry = CorpusEntry(id: id, audio: "audio/" + file.lastPathComponent, text: text.text,
                                voice: voice.description, duration: clip.duration)
        return (entry, fresh)
    }

    /// FNV-1a of a string: the same on every run and platform.
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}

/// Results written by worker threads, one slot per job.
private final class JobResults: @unchecked Sendable {
    private var slots: [Result<(CorpusEntry, Bool), Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<(CorpusEntry, Bool), Error>) { lock.lock(); slots[index] = value; lock.unlock() }
    func get(_ index: Int) -> Result<(CorpusEntry, Bool), Error>? { lock.lock(); defer { lock.unlock() }; return slots[index] }
}
