import Audio
import Foundation
import Tensor
import Units

/// The paper's minimal pairs (§1: "Hi" / "Hello" / "High"): for two words, how close their meanings
/// are to the LLM (the cosine of their text embeddings) beside how close their sounds are (the
/// normalised edit distance of the unit sequences of the target voice saying them).
public struct MinimalPair: Sendable {
    public var first: String
    public var second: String
    public var textCosine: Double
    public var unitDistance: Double
}

public struct MinimalPairs {
    /// A word's text embedding [C]: the mean of its tokens' rows, as written mid-sentence (" word").
    public let embed: (String) throws -> [Float]
    /// A word's deduplicated unit sequence, the target voice saying it.
    public let units: (String) throws -> [Int32]

    public init(embed: @escaping (String) throws -> [Float], units: @escaping (String) throws -> [Int32]) {
        self.embed = embed; self.units = units
    }

    /// The pairs of a units model's target voice and an LLM embedding table [V, C] with its tokenizer.
    public init(model: UnitsModel, table: Tensor, encode: @escaping (String) -> [Int32]) throws {
        let c = table.shape[1], rows = table.shape[0]
        self.init(embed: { word in
            let ids = encode(" " + word)
            guard !ids.isEmpty, ids.allSatisfy({ $0 >= 0 && Int($0) < rows }) else { throw EvaluationError("'\(word)' has no tokens to embed") }
            var mean = [Float](repeating: 0, count: c)
            for id in ids { for j in 0..<c { mean[j] += table.data[Int(id) * c + j] / Float(ids.count) } }
            return mean
        }, units: try Self.speaker(model))
    }

    /// The units model's target voice saying a word (neutral prosody, the same every time), as its deduplicated units.
    public static func speaker(_ model: UnitsModel) throws -> (String) throws -> [Int32] {
        let voice = try SpeechVoice(parsing: model.config.targetVoice)
        let synthesizer = SpeechSynthesizer(sampleRate: model.sampleRate, jitter: ProsodyJitter(speed: 165...165, pitch: 50...50))
        try synthesizer.check([voice])
        return { word in
            var rng = SeededRandom(seed: 0)
            return try model.encode(try synthesizer.render(word, voice: voice, rng: &rng)).units
        }
    }

    /// Every pair of `words` (each once, in order).
    public func measure(_ words: [String]) throws -> [MinimalPair] {
        guard words.count >= 2 else { throw EvaluationError("give at least two words to pair, e.g. Hi Hello High") }
        let embeddings = try words.map(embed), sequences = try words.map(units)
        var pairs: [MinimalPair] = []
        for i in words.indices {
            for j in words.indices where j > i {
                let cosine = Double(Kernels.cosine(embeddings[i], embeddings[j], count: embeddings[i].count))
                pairs.append(MinimalPair(first: words[i], second: words[j], textCosine: cosine,
                                         unitDistance: EditDistance.normalized(sequences[i], sequences[j])))
            }
        }
        return pairs
    }
}
