import Foundation

/// Settings for learning a unit language.
public struct UnitLanguageConfig: Codable, Equatable, Sendable {
    /// Target vocabulary size (base units + merges); training stops when it is reached.
    public var vocabularySize: Int
    /// A pair must occur at least this often to be merged.
    public var minimumCount: Int
    /// Longest word in units (0 for no limit).
    public var maxUnitsPerWord: Int

    public init(vocabularySize: Int, minimumCount: Int = 2, maxUnitsPerWord: Int = 0) {
        self.vocabularySize = vocabularySize
        self.minimumCount = minimumCount
        self.maxUnitsPerWord = maxUnitsPerWord
    }
}

/// What training learned and why it stopped.
public struct UnitLanguageReport: Codable, Equatable, Sendable {
    public var merges: Int
    /// Units and words of the training sequences after the last merge.
    public var statistics: UnitLanguageStatistics
    /// "vocabulary size reached", or "no pair occurs at least N times".
    public var stopReason: String
    public var seconds: Double
}

extension UnitLanguage {
    // MARK: - Training

    /// Learns merges of the most frequent adjacent word pairs in `sequences` (units 0..<baseUnits).
    /// Pair counts are kept up to date around each merged occurrence instead of being recounted.
    /// Ties go to the pair with the smaller (left, right) ids, so the result is deterministic.
    public static func train(_ sequences: [[Int32]], baseUnits: Int,
                             config: UnitLanguageConfig) throws -> (language: UnitLanguage, report: UnitLanguageReport) {
        guard baseUnits >= 1 else { throw UnitLanguageError("base unit count \(baseUnits) must be at least 1") }
        guard config.vocabularySize >= baseUnits else {
            throw UnitLanguageError("vocabulary size \(config.vocabularySize) is below the \(baseUnits) base units; raise it")
        }
        guard config.minimumCount >= 1, config.maxUnitsPerWord >= 0 else {
            throw UnitLanguageError("minimum count must be ≥ 1 and max units per word ≥ 0")
        }
        for (s, sequence) in sequences.enumerated() {
            if let bad = sequence.firstIndex(where: { $0 < 0 || Int($0) >= baseUnits }) {
                throw UnitLanguageError("sequence \(s) has unit \(sequence[bad]) at position \(bad), outside 0..<\(baseUnits)")
            }
        }
        let total = sequences.reduce(0) { $0 + $1.count }
        guard total < Int(Int32.max) else {
            throw UnitLanguageError("\(total) units is more than one training run handles (\(Int32.max)); train on a sample")
        }
        let start = Date()
        var corpus = PairCorpus(sequences)
        var merges: [UnitMerge] = []
        var lengths = [Int](repeating: 1, count: baseUnits)     // units per word
        var stopReason = "vocabulary size reached"
        while baseUnits + merges.count < config.vocabularySize {
            guard let (pair, count) = corpus.mostFrequent(allowed: { key in
                config.maxUnitsPerWord == 0 || lengths[Int(key >> 32)] + lengths[Int(UInt32(truncatingIfNeeded: key))] <= config.maxUnitsPerWord
            }), count >= config.minimumCount else {
                stopReason = "no pair occurs at least \(config.minimumCount) times"
                break
            }
            let merge = UnitMerge(left: Int32(truncatingIfNeeded: pair >> 32), right: Int32(truncatingIfNeeded: pair))
            let word = Int32(baseUnits + merges.count)
            corpus.merge(pair, into: word)
            merges.append(merge)
            lengths.append(lengths[Int(merge.left)] + lengths[Int(merge.right)])
        }
        let language = try UnitLanguage(baseUnits: baseUnits, merges: merges)
        let statistics = UnitLanguageStatistics(units: total, words: corpus.liveSymbols)
        return (language, UnitLanguageReport(merges: merges.count, statistics: statistics, stopReason: stopReason,
                                             seconds: Date().timeIntervalSince(start)))
    }
}

// MARK: - Corpus with incremental pair counts

/// All training sequences as one linked list of symbols, with the count and the occurrences
/// (left positions, possibly stale) of every adjacent pair, and a lazy max-heap over the counts.
struct PairCorpus {
    var symbols: [Int32]          // −1 marks a symbol absorbed by a merge
    var next: [Int32], prev: [Int32]   // −1 at sequence ends
    var counts: [UInt64: Int] = [:]
    var occurrences: [UInt64: [Int32]] = [:]
    // Highest count first, then the smaller pair key.
    var heap = BinaryHeap<(count: Int, key: UInt64)> { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
    private(set) var liveSymbols: Int

    init(_ sequences: [[Int32]]) {
        let total = sequences.reduce(0) { $0 + $1.count }
        symbols = []; symbols.reserveCapacity(total)
        next = []; next.reserveCapacity(total)
        prev = []; prev.reserveCapacity(total)
        for sequence in sequences {
            let base = symbols.count
            for (i, unit) in sequence.enumerated() {
                symbols.append(unit)
                prev.append(i == 0 ? -1 : Int32(base + i - 1))
                next.append(i == sequence.count - 1 ? -1 : Int32(base + i + 1))
            }
        }
        liveSymbols = total
        for i in 0..<symbols.count where next[i] >= 0 {
            let key = UnitMerge.key(symbols[i], symbols[Int(next[i])])
            counts[key, default: 0] += 1
            occurrences[key, default: []].append(Int32(i))
        }
        for (key, count) in counts { heap.push((count, key)) }
    }

    /// The pair with the highest count among those `allowed`; pairs refused stay out of later searches.
    mutating func mostFrequent(allowed: (UInt64) -> Bool) -> (UInt64, Int)? {
        while let (stored, key) = heap.pop() {
            let current = counts[key] ?? 0
            if stored != current {           // stale entry: requeue the current count
                if current > 0 { heap.push((current, key)) }
                continue
            }
            guard allowed(key) else { counts[key] = nil; occurrences[key] = nil; continue }
            return (key, current)
        }
        return nil
    }

    /// Replaces every occurrence of `pair` (left to right) by `word`, updating neighbouring pair counts.
    mutating func merge(_ pair: UInt64, into word: Int32) {
        let left = Int32(truncatingIfNeeded: pair >> 32), right = Int32(truncatingIfNeeded: pair)
        let positions = (occurrences.removeValue(forKey: pair) ?? []).sorted()
        for position in positions {
            let i = Int(position)
            guard symbols[i] == left else { continue }
            let j = Int(next[i])
            guard j >= 0, symbols[j] == right else { continue }
            let p = Int(prev[i]), q = Int(next[j])
            if p >= 0 {
                change(UnitMerge.key(symbols[p], left), by: -1)
                add(UnitMerge.key(symbols[p], word), at: Int32(p))
            }
            if q >= 0 {
                change(UnitMerge.key(right, symbols[q]), by: -1)
                add(UnitMerge.key(word, symbols[q]), at: Int32(i))
            }
            change(pair, by: -1)
            symbols[i] = word
            symbols[j] = -1
            next[i] = Int32(q)
            if q >= 0 { prev[q] = Int32(i) }
            liveSymbols -= 1
        }
        counts[pair] = nil
    }

    private mutating func change(_ key: UInt64, by delta: Int) {
        guard let count = counts[key] else { return }
        counts[key] = count + delta > 0 ? count + delta : nil
    }

    private mutating func add(_ key: UInt64, at position: Int32) {
        let count = (counts[key] ?? 0) + 1
        counts[key] = count
        occurrences[key, default: []].append(position)
        heap.push((count, key))
    }
}
