import Foundation
import Tokenizers

/// Generation for many prompts with sequences decoded together: up to `slots` sequences share each
/// pass over the weights (`LlamaInference.step(_:tokens:)`), and a slot whose answer is finished takes
/// the next prompt at once (continuous batching). A prefix shared by the prompts (a system prompt) is
/// prefilled once and its keys and values copied into each slot. Every prompt gets exactly the result
/// `LlamaGenerator.generate` gives it alone on an engine of the same capacity that holds the prefix
/// (`prefill(prefix)`, then `generate(appending:)` the rest).
public final class BatchGenerator {
    public let generator: LlamaGenerator
    /// Sequences decoded together.
    public let slots: Int
    /// Positions each slot's KV cache holds (prompt plus new tokens).
    public let capacity: Int
    private let engines: [LlamaInference]
    /// Holds the shared prefix's keys and values, once prefilled.
    private var prefixEngine: LlamaInference?
    private var prefix: [Int] = []

    /// `slots` engines reading `generator`'s weights, each with a KV cache of `capacity` positions.
    public init(generator: LlamaGenerator, slots: Int, capacity: Int) throws {
        guard slots >= 1 else { throw LlamaError.badInput("a batch needs at least one slot; got \(slots)") }
        let c = generator.engine.config
        try LlamaInference.checkCacheFits(c, capacity: capacity * slots)
        self.generator = generator
        self.slots = slots
        self.capacity = min(max(1, capacity), c.contextLength)
        engines = try (0..<slots).map { _ in try LlamaInference(sharingWeightsOf: generator.engine, capacity: capacity) }
    }

    /// One sequence being generated.
    private struct Sequence {
        let index: Int
        var result: GenerationResult
        var sampler: Sampler
        var decoder: StreamingDecoder
        let decodeStart: ContinuousClock.Instant
        /// The token to append at the next batch step.
        var next = 0
    }

    /// The number of `prompt`'s tokens taken from the shared prefix (at least one token is left to prefill).
    public static func sharedLength(_ prompt: [Int], prefix: [Int]) -> Int {
        guard prompt.count > prefix.count, !prefix.isEmpty, prompt.starts(with: prefix) else { return 0 }
        return prefix.count
    }

    /// Generates an answer for prompts 0..<count, asking `prompt(i)` for each one's tokens when a slot
    /// is free (in order), and handing each result to `finished(i, result)` as soon as it is complete,
    /// so results come out of order. Prompts that start with `prefix` (and are longer) reuse its keys
    /// and values. `shouldStop` is asked between batch steps; when it says yes, the unfinished
    /// prompts are dropped and the method returns false (true when all finished).
    @discardableResult
    public func generate(count: Int, prefix: [Int] = [], prompt: (Int) throws -> [Int], options: GenerationOptions,
                         shouldStop: () -> Bool = { false },
                         finished: (Int, GenerationResult) throws -> Void) throws -> Bool {
        let stops = options.stopTokens ?? generator.tokenizer.stopTokenIDs
        let clock = ContinuousClock()
        var active: [Int: Sequence] = [:]   // by slot
        var nextPrompt = 0
        // The slots answer with the generator's LoRA adapters, as they are now.
        let lora = generator.engine.lora
        for e in engines where e.lora != lora { e.lora = lora }
        if prefix != self.prefix || (prefixEngine == nil && !prefix.isEmpty) || prefixEngine?.lora != lora {
            prefixEngine = nil
            self.prefix = prefix
            if !prefix.isEmpty {
                let holder = try LlamaInference(sharingWeightsOf: generator.engine, capacity: prefix.count)
                try holder.prefill(prefix)
                prefixEngine = holder
            }
        }

        /// After new logits for `s`: picks the next token, or ends the sequence (as `LlamaGenerator.generate` does).
        func advance(_ s: inout Sequence, engine: LlamaInference) -> Bool {
            guard s.result.tokens.count < options.maxTokens else { return false }
            let token = s.sampler.sample(engine.lastLogits)
            if stops.contains(token) { s.result.stoppedBy = .stopToken; return false }
            s.result.tokens.append(token)
            s.result.text += s.decoder.append(token)
            if s.result.tokens.count == options.maxTokens { return false }
            guard engine.position < engine.capacity else { s.result.stoppedBy = .contextFull; return false }
            s.next = token
            return true
        }
        func finish(_ s: inout Sequence) throws {
            s.result.text += s.decoder.finish()
            s.result.decodeSeconds = (clock.now - s.decodeStart).inSeconds
            try finished(s.index, s.result)
        }

        while nextPrompt < count || !active.isEmpty {
            if shouldStop() { return false }
            // Free slots take the next prompts.
            for slot in 0..<slots where active[slot] == nil && nextPrompt < count {
                let index = nextPrompt
                nextPrompt += 1
                let engine = engines[slot]
                let tokens = try prompt(index)
                let start = clock.now
                let shared = BatchGenerator.sharedLength(tokens, prefix: self.prefix)
                if shared > 0, let holder = prefixEngine { try engine.copyPositions(shared, from: holder) } else { engine.reset() }
                try engine.prefill(Array(tokens[shared...]))
                let prefilled = clock.now
                var s = Sequence(index: index,
                                 result: GenerationResult(tokens: [], text: "", stoppedBy: .maxTokens,
                                                          prefillSeconds: (prefilled - start).inSeconds, decodeSeconds: 0),
                                 sampler: Sampler(options.sampling), decoder: StreamingDecoder(tokenizer: generator.tokenizer),
                                 decodeStart: prefilled)
                if advance(&s, engine: engine) { active[slot] = s } else { try finish(&s) }
                if shouldStop() { return false }
            }
            guard !active.isEmpty else { continue }
            // One token for every active sequence, in one pass over the weights.
            let running = active.keys.sorted()
            try LlamaInference.step(running.map { engines[$0] }, tokens: running.map { active[$0]!.next })
            for slot in running {
                var s = active[slot]!
                if advance(&s, engine: engines[slot]) {
                    active[slot] = s
                } else {
                    active[slot] = nil
                    try finish(&s)
                }
            }
        }
        return true
    }
}
