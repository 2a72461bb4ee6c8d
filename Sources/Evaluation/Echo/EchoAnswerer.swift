import Audio
import Foundation
import Models
import NN
import Tensor
import Training
import Units

/// One spoken piece of an answer: the text segment it belongs to and that segment's tokens, its unit
/// words and audio, with the time it was ready (seconds from the start of the answer, i.e. the end of
/// the question). A streamed segment comes out in several chunks, as its unit words are decoded.
public struct SpokenChunk: Sendable {
    public var index: Int
    public var segment: Int
    public var tokens: Range<Int>
    public var words: [Int32]
    public var audio: AudioClip
    public var readySeconds: Double
    public init(index: Int, segment: Int, tokens: Range<Int>, words: [Int32], audio: AudioClip, readySeconds: Double) {
        self.index = index; self.segment = segment; self.tokens = tokens; self.words = words; self.audio = audio; self.readySeconds = readySeconds
    }
}

/// How a streamed segment's unit words are cut into audio chunks: a short first chunk, so that speech
/// starts soon after the segment is cut, then longer ones (each is far quicker to make than to play).
public struct ChunkSizes: Sendable, Equatable {
    public var firstWords = 8
    public var laterWords = 48
    public init(firstWords: Int = 8, laterWords: Int = 48) {
        self.firstWords = max(1, firstWords)
        self.laterWords = max(1, laterWords)
    }
}

/// Collects a segment's unit words as they are decoded and hands them back in chunks of `ChunkSizes`.
public struct UnitChunker: Sendable {
    public let sizes: ChunkSizes
    private var pending: [Int32] = []
    private var chunks = 0
    public init(sizes: ChunkSizes) { self.sizes = sizes }

    /// The next chunk, once `word` completes it.
    public mutating func add(_ word: Int32) -> [Int32]? {
        pending.append(word)
        return pending.count >= (chunks == 0 ? sizes.firstWords : sizes.laterWords) ? take() : nil
    }

    /// The words left when the segment's decoding ends (nil: none).
    public mutating func finish() -> [Int32]? { pending.isEmpty ? nil : take() }

    private mutating func take() -> [Int32] {
        defer { pending = []; chunks += 1 }
        return pending
    }
}

/// An Echo run answering in text and speech: its speech model answers (S2T, with the LoRA the Echo
/// run left), the final hidden state that predicted each answer token goes through the Denoising
/// Adapter and the Echo decoder to unit words, and the units model's vocoder speaks them. Streaming
/// cuts the text into segments (`SpeechSegmenter`) spoken on a second thread while the text goes on.
public final class EchoAnswerer: SpokenAnswerer {
    public let run: URL
    public let recipe: EchoRecipe
    public let step: Int
    public let text: S2TAnswerer
    public let echo: EchoModel
    public let units: UnitsModel
    public var segmentRule = SegmentRule()
    public var chunkSizes = ChunkSizes()
    /// The LM-head row of "." (the tied embedding), the streaming cut's anchor.
    let stopRow: [Float]

    public var name: String { "\(run.lastPathComponent) (\(recipe.conventional ? "conventional" : "echo"), step \(step))" }
    public var speaks: Bool { true }

    /// Loads the run, the S2T and T2C runs it names and the units model; every model must be cached.
    public init(run: URL, maxTokens: Int? = nil) throws {
        guard StageRun.isRun(run, of: EchoRecipe.self) else {
            throw EvaluationError("\(run.path) is not an Echo run (no \(EchoRecipe.fileName)): train one with `echox train echo --preset tiny --run DIR`")
        }
        let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw EvaluationError("the run \(run.lastPathComponent) has no checkpoint yet: train it (`echox train echo --run \(run.path)`) first")
        }
        self.run = run
        recipe = try EchoRecipe.read(run.appendingPathComponent(EchoRecipe.fileName))
        let stage = try EchoStage(recipe: recipe, runsRoot: run.deletingLastPathComponent(), fetch: false)
        let (step, values) = try TrainingCheckpoint.parameters(in: checkpoint)
        self.step = step
        // The speech model as the Echo run trained it, or (frozen there) as the S2T run left it.
        let speechValues = recipe.s2tWeight > 0 ? values : try TrainingCheckpoint.parameters(in: stage.s2tRun.appendingPathComponent("checkpoint.safetensors")).values
        text = try S2TAnswerer(run: run, stage: stage.s2t, values: speechValues, step: step, maxTokens: maxTokens)
        echo = try EchoModel(decoder: try T2CModel(stage.t2c.modelConfig, seed: stage.t2c.recipe.seed), adapterDim: recipe.adapterDim,
                             dropout: recipe.adapterDropout, seed: recipe.seed)
        try echo.load(values, prefix: "echo.", source: "the checkpoint of \(run.lastPathComponent)")
        echo.eval()
        units = stage.t2c.units
        let stop = stage.s2t.generator.tokenizer.encode(".", allowSpecial: false)
        guard stop.count == 1 else { throw EvaluationError("the LLM's tokenizer does not make \".\" one token, so streaming has no anchor") }
        stopRow = try stage.s2t.generator.engine.embedding(of: stop[0])
    }

    /// The unit words and speech of hidden states [N, C] (one segment or a whole answer).
    public func speak(hidden: [Float], count: Int) throws -> (words: [Int32], audio: AudioClip) {
        let words = try echo.speak(hidden: Tensor(hidden, shape: [count, echo.decoder.config.llmDim]), maxWords: EchoModel.wordBudget(tokens: count))
        guard !words.isEmpty else { return ([], AudioClip(samples: [], sampleRate: units.sampleRate)) }
        return (words, try units.synthesize(words: words))
    }

    /// The speech of hidden states [N, C] in chunks of `sizes` unit words, each handed to `emit` as soon
    /// as its words are decoded and spoken.
    public func speak(hidden: [Float], count: Int, sizes: ChunkSizes, emit: ([Int32], AudioClip) throws -> Void) throws {
        var chunker = UnitChunker(sizes: sizes)
        _ = try echo.speak(hidden: Tensor(hidden, shape: [count, echo.decoder.config.llmDim]), maxWords: EchoModel.wordBudget(tokens: count)) { word in
            if let words = chunker.add(word) { try emit(words, try units.synthesize(words: words)) }
        }
        if let words = chunker.finish() { try emit(words, try units.synthesize(words: words)) }
    }

    /// Answers a spoken question (or, with `question` nil, the typed `typed`) in text and speech. The text
    /// streams through `onText`; with `stream`, each segment's speech is made on a second thread while
    /// the text goes on and comes out through `onChunk` in order, else the whole answer is spoken at the end.
    public func answer(_ clip: AudioClip?, typed: String? = nil, stream: Bool, onText: (String) -> Bool = { _ in true },
                       onChunk: (SpokenChunk) -> Void = { _ in }) throws -> (text: GenerationResult, chunks: [SpokenChunk]) {
        let c = echo.decoder.config.llmDim
        var hidden: [Float] = []
        var segmenter = SpeechSegmenter(rule: segmentRule, stopRow: stopRow)
        let speaker = ChunkSpeaker(answerer: self, sizes: stream ? chunkSizes : nil)
        let clock = ContinuousClock()
        var start = clock.now
        var delivered = 0
        func deliver(wait: Bool) {
            for chunk in speaker.take(from: delivered, wait: wait) { onChunk(chunk); delivered += 1 }
        }
        let onToken: (Int, UnsafeBufferPointer<Float>) -> Void = { _, state in
            hidden.append(contentsOf: state)
            if stream, let segment = segmenter.add(state) {
                speaker.submit(Array(hidden[(segment.lowerBound * c)..<(segment.upperBound * c)]), tokens: segment, since: start)
            }
        }
        func pieces(_ piece: String) -> Bool {
            let go = onText(piece)
            if stream { deliver(wait: false) }
            return go
        }
        let result: GenerationResult
        // Chunk times count from the end of the question: the audio has been heard when it is handed over.
        start = clock.now
        if let clip {
            result = try text.answer(clip, onText: pieces, onToken: onToken)
        } else {
            result = try text.answer(text: typed ?? "", onText: pieces, onToken: onToken)
        }
        let count = result.tokens.count
        if stream {
            if let last = segmenter.finish() { speaker.submit(Array(hidden[(last.lowerBound * c)..<(last.upperBound * c)]), tokens: last, since: start) }
        } else if count > 0 {
            speaker.submit(hidden, tokens: 0..<count, since: start)
        }
        deliver(wait: true)
        if let failure = speaker.failure { throw failure }
        return (result, speaker.take(from: 0, wait: true))
    }

    /// The speech of the whole answer, spoken after the text (what mode s2s scores).
    public func answer(_ questions: [AudioClip], speak: Bool) throws -> [SpokenAnswer] {
        try questions.map { clip in
            let (result, chunks) = try answer(clip, stream: false)
            return SpokenAnswer(text: result.text, audio: speak ? Self.join(chunks, sampleRate: units.sampleRate) : nil,
                                heard: text.lastHeard?.transcript)
        }
    }

    /// Played from the moment the first chunk is ready, how long the listener waits in all for the
    /// chunks after it (0: the speech runs without a gap), and the longest of those waits.
    public static func playbackWaits(_ chunks: [SpokenChunk]) -> (total: Double, longest: Double) {
        guard var clock = chunks.first?.readySeconds else { return (0, 0) }
        var total = 0.0, longest = 0.0
        for chunk in chunks {
            let wait = max(0, chunk.readySeconds - clock)
            total += wait
            longest = max(longest, wait)
            clock += wait + chunk.audio.duration
        }
        return (total, longest)
    }

    /// The chunks' audio one after another.
    public static func join(_ chunks: [SpokenChunk], sampleRate: Int) -> AudioClip {
        AudioClip(samples: chunks.flatMap(\.audio.samples), sampleRate: chunks.first?.audio.sampleRate ?? sampleRate)
    }
}

/// Speaks segments in order on one background thread and hands back the finished chunks. Streaming,
/// it keeps to one core while it speaks and leaves the others to the text decoding (`Parallelism`),
/// so neither waits on the other's threads.
final class ChunkSpeaker: @unchecked Sendable {
    private let answerer: EchoAnswerer
    /// Chunk sizes of a streamed segment; nil: one chunk per segment.
    private let sizes: ChunkSizes?
    private let queue = DispatchQueue(label: "echox.echo.speaker", qos: .userInitiated)
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var done: [SpokenChunk] = []
    private var submitted = 0
    private var working = 0
    private var coresBefore = Parallelism.cores
    private(set) var failure: Error?

    init(answerer: EchoAnswerer, sizes: ChunkSizes?) {
        self.answerer = answerer
        self.sizes = sizes
    }

    func submit(_ hidden: [Float], tokens: Range<Int>, since start: ContinuousClock.Instant) {
        let segment = submitted
        submitted += 1
        group.enter()
        // Streaming: the speech shares the machine with the text still being decoded.
        let streaming = sizes != nil
        if streaming {
            lock.withLock {
                if working == 0 { coresBefore = Parallelism.cores; Parallelism.cores = max(1, coresBefore - 1) }
                working += 1
            }
        }
        queue.async { [self] in
            defer {
                if streaming {
                    lock.withLock {
                        working -= 1
                        if working == 0 { Parallelism.cores = coresBefore }
                    }
                }
                group.leave()
            }
            func add(_ words: [Int32], _ audio: AudioClip) {
                let ready = (ContinuousClock.now - start).inSeconds
                lock.withLock {
                    done.append(SpokenChunk(index: done.count, segment: segment, tokens: tokens, words: words, audio: audio, readySeconds: ready))
                }
            }
            do {
                if let sizes {
                    try Parallelism.serially { try answerer.speak(hidden: hidden, count: tokens.count, sizes: sizes, emit: add) }
                } else {
                    let (words, audio) = try answerer.speak(hidden: hidden, count: tokens.count)
                    add(words, audio)
                }
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }

    /// The finished chunks from `index` on (all of them, once every one is done, when `wait`).
    func take(from index: Int, wait: Bool) -> [SpokenChunk] {
        if wait { group.wait() }
        return lock.withLock { Array(done.dropFirst(index)) }
    }
}
