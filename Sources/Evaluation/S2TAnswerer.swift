import Audio
import Foundation
import Models
import NN
import Tensor
import Training

/// A trained S2T run answering spoken questions in text at engine speed: Whisper encodes the
/// question, the run's speech adapter turns the states into LLM embeddings, and the inference engine,
/// with the run's LoRA applied, decodes the answer greedily after the chat prompt around them.
public final class S2TAnswerer: SpokenAnswerer {
    public let run: URL
    public let recipe: S2TRecipe
    public let step: Int
    public let whisper: WhisperModel
    public let speech: S2TModel
    public let generator: LlamaGenerator
    public let prompt: S2TPrompt
    public let maxTokens: Int
    /// The LLM's token embeddings [V, C] for a tied CTC head (nil when untied).
    private let tokenEmbeddings: Tensor?
    /// The engine with the run's LoRA and the prompt's prefix prefilled when the run is loaded.
    public let decoder: S2TEngineDecoder

    /// Seconds of each part of the last answer before its first token (`whisper`, `adapter`, `prompt`).
    public private(set) var lastTimings: [(String, Double)] = []
    /// What the speech side heard in the last spoken question: its CTC head's greedy transcript, and
    /// the frames kept for the LLM of the adapter's frames.
    public private(set) var lastHeard: (transcript: String, kept: Int, frames: Int)?

    public var name: String { "\(run.lastPathComponent) (s2t, step \(step))" }
    public var speaks: Bool { false }

    /// Loads the run's recipe and checkpoint; the models must be in the cache (the error names the command).
    public convenience init(run: URL, maxTokens: Int? = nil) throws {
        guard StageRun.isRun(run, of: S2TRecipe.self) else {
            throw EvaluationError("\(run.path) is not an S2T run (no \(S2TRecipe.fileName)): train one with `echox train s2t --preset tiny --run DIR`")
        }
        let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw EvaluationError("the run \(run.lastPathComponent) has no checkpoint yet: train it (`echox train s2t --run \(run.path)`) first")
        }
        let stage = try S2TStage(recipe: try S2TRecipe.read(run.appendingPathComponent(S2TRecipe.fileName)), fetch: false)
        let (step, values) = try TrainingCheckpoint.parameters(in: checkpoint)
        try self.init(run: run, stage: stage, values: values, step: step, maxTokens: maxTokens)
    }

    /// The speech model of `stage` with trained values (`speech.*` and the LLM's `llm.*` LoRA), e.g. an Echo run's.
    public init(run: URL, stage: S2TStage, values: [String: Tensor], step: Int, maxTokens: Int? = nil) throws {
        self.run = run
        recipe = stage.recipe
        whisper = stage.whisper
        generator = stage.generator
        prompt = stage.prompt
        self.maxTokens = maxTokens ?? recipe.answerTokens
        self.step = step
        speech = try S2TModel(stage.speechConfig, seed: recipe.seed)
        try speech.load(values, prefix: "speech.", source: "the checkpoint of \(run.lastPathComponent)")
        speech.eval()
        tokenEmbeddings = speech.config.tiedCTCHead ? stage.tokenEmbeddings : nil
        try generator.engine.apply(lora: try recipe.loraWeights(values, layers: generator.engine.config.layers, source: "the checkpoint of \(run.lastPathComponent)"))
        decoder = try S2TEngineDecoder(generator: generator, prompt: prompt)
    }

    // MARK: - Answering

    /// The speech embeddings [K, C] of a question (any sample rate), after checking it is a usable recording.
    public func embeddings(of clip: AudioClip, source: String = "the question") throws -> (values: [Float], count: Int) {
        try Self.check(clip, source: source)
        let clock = ContinuousClock(), start = clock.now
        let samples = try clip.resampled(to: 16_000).samples
        let output = try whisper.encode(try whisper.logMel(samples), keepLayers: false)
        let encoded = clock.now
        defer { lastTimings = [("whisper", (encoded - start).inSeconds), ("adapter", (clock.now - encoded).inSeconds)] }
        return try Autograd.noGrad {
            let states = Tensor(output.final, shape: [1, output.positions, output.width])
            let out = try speech(states, lengths: [output.positions], tokenEmbeddings: tokenEmbeddings)
            let k = out.lengths[0], c = speech.config.llmDim
            let heard = CTCGreedy.collapse(out.bestPaths[0], blank: speech.config.blank).map(Int.init)
            lastHeard = (generator.tokenizer.decode(heard), k, out.frameLengths[0])
            return (Array(UnsafeBufferPointer(start: out.embeddings.data, count: k * c)), k)
        }
    }

    /// Answers one spoken question, streaming the text through `onText` (false stops); `onToken` gets
    /// each token with the hidden state that predicted it.
    public func answer(_ clip: AudioClip, source: String = "the question", onText: (String) -> Bool = { _ in true },
                       onToken: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) throws -> GenerationResult {
        let speechRows = try embeddings(of: clip, source: source).values
        let result = try decoder.answer(speech: speechRows, maxTokens: maxTokens, onText: onText, onToken: onToken)
        lastTimings.append(("prompt", result.prefillSeconds))
        return result
    }

    /// Answers a typed question with the same LLM and LoRA (the question's tokens in place of speech).
    public func answer(text: String, onText: (String) -> Bool = { _ in true },
                       onToken: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) throws -> GenerationResult {
        lastHeard = nil
        let result = try decoder.answer(text: text, maxTokens: maxTokens, onText: onText, onToken: onToken)
        lastTimings = [("prompt", result.prefillSeconds)]
        return result
    }

    public func answer(_ questions: [AudioClip], speak: Bool) throws -> [SpokenAnswer] {
        try questions.map { SpokenAnswer(text: try answer($0).text, heard: lastHeard?.transcript) }
    }

    // MARK: - Checks

    /// Questions longer than Whisper's window are refused (the encoder sees 30 s at most).
    public static let longestQuestion = 30.0

    /// Throws a clear error for a recording that cannot be a spoken question.
    public static func check(_ clip: AudioClip, source: String) throws {
        guard !clip.samples.isEmpty, clip.sampleRate > 0 else {
            throw EvaluationError("\(source) has no audio (0 samples): record or synthesise the question again")
        }
        guard clip.duration >= 0.1 else {
            throw EvaluationError(String(format: "%@ lasts %.3f s, too short to hold a question: give at least 0.1 s of speech", source, clip.duration))
        }
        guard clip.duration <= longestQuestion else {
            throw EvaluationError(String(format: "%@ lasts %.1f s; a spoken question must be at most %.0f s (Whisper's window): cut it to the question", source, clip.duration, longestQuestion))
        }
        var peak: Float = 0, power = 0.0
        for s in clip.samples {
            guard s.isFinite else { throw EvaluationError("\(source) holds samples that are not numbers: the file is damaged") }
            peak = max(peak, abs(s)); power += Double(s) * Double(s)
        }
        let rms = (power / Double(clip.samples.count)).squareRoot()
        guard peak > 1e-3, rms > 1e-4 else {
            throw EvaluationError(String(format: "%@ is silent (peak %.5f): check the microphone or the file, and record the question again", source, peak))
        }
    }
}
