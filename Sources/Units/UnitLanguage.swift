import Foundation
import Formats

/// A vocabulary of unit "words": base units plus BPE-style merges of adjacent words, with a
/// lossless word → unit n-gram table. Words 0..<baseUnits are the single units; merge r makes word baseUnits + r.
public struct UnitLanguage: Equatable, Sendable {
    /// Number of distinct speech units (the k of k-means).
    public let baseUnits: Int
    /// Learned merges in rank order: merge r joins words (left, right) into word baseUnits + r.
    public let merges: [UnitMerge]
    /// Units spelled by each word, indexed by word id.
    public let wordUnits: [[Int32]]
    /// Rank of each merge, keyed by its pair.
    let ranks: [UInt64: Int32]

    /// Total number of words (base units + merges).
    public var vocabularySize: Int { baseUnits + merges.count }

    /// A language from its merges; checks that each merge joins words that exist before it.
    public init(baseUnits: Int, merges: [UnitMerge]) throws {
        guard baseUnits >= 1, baseUnits <= Int(Int32.max) - merges.count else {
            throw UnitLanguageError("base unit count \(baseUnits) is out of range; it must be at least 1")
        }
        var table = (0..<baseUnits).map { [Int32($0)] }
        var ranks: [UInt64: Int32] = [:]
        for (rank, merge) in merges.enumerated() {
            let known = baseUnits + rank
            guard merge.left >= 0, merge.right >= 0, Int(merge.left) < known, Int(merge.right) < known else {
                throw UnitLanguageError("merge \(rank) joins words \(merge.left) and \(merge.right), but only words 0..<\(known) exist at that rank")
            }
            guard ranks[merge.key] == nil else { throw UnitLanguageError("merge \(rank) repeats the pair (\(merge.left), \(merge.right))") }
            ranks[merge.key] = Int32(rank)
            table.append(table[Int(merge.left)] + table[Int(merge.right)])
        }
        self.baseUnits = baseUnits
        self.merges = merges
        self.wordUnits = table
        self.ranks = ranks
    }

    // MARK: - Encoding and decoding

    /// Words for a unit sequence: merges applied in rank order, each left to right (as in training).
    public func encode(_ units: [Int32]) throws -> [Int32] {
        if let bad = units.firstIndex(where: { $0 < 0 || Int($0) >= baseUnits }) {
            throw UnitLanguageError("unit \(units[bad]) at position \(bad) is outside 0..<\(baseUnits)")
        }
        guard units.count > 1, !merges.isEmpty else { return units }
        var symbols = units
        var next = (0..<units.count).map { Int32($0 + 1) }, prev = (0..<units.count).map { Int32($0 - 1) }
        next[units.count - 1] = -1
        // Lowest rank first, then leftmost position.
        var heap = BinaryHeap<(rank: Int32, position: Int32)> { $0.rank != $1.rank ? $0.rank < $1.rank : $0.position < $1.position }
        for i in 0..<(units.count - 1) {
            if let r = ranks[UnitMerge.key(symbols[i], symbols[i + 1])] { heap.push((r, Int32(i))) }
        }
        while let (rank, position) = heap.pop() {
            let i = Int(position)
            let j = Int(next[i])
            // Skip entries made stale by an earlier merge at or next to this position.
            guard symbols[i] >= 0, j >= 0, ranks[UnitMerge.key(symbols[i], symbols[j])] == rank else { continue }
            symbols[i] = Int32(baseUnits) + rank
            symbols[j] = -1
            next[i] = next[j]
            if next[j] >= 0 { prev[Int(next[j])] = Int32(i) }
            let p = Int(prev[i]), q = Int(next[i])
            if p >= 0, let r = ranks[UnitMerge.key(symbols[p], symbols[i])] { heap.push((r, Int32(p))) }
            if q >= 0, let r = ranks[UnitMerge.key(symbols[i], symbols[q])] { heap.push((r, Int32(i))) }
        }
        return symbols.filter { $0 >= 0 }
    }

    /// The unit sequence spelled by `words`.
    public func decode(_ words: [Int32]) throws -> [Int32] {
        var units: [Int32] = []
        units.reserveCapacity(words.count * 2)
        for (position, word) in words.enumerated() {
            guard word >= 0, Int(word) < vocabularySize else {
                throw UnitLanguageError("word \(word) at position \(position) is outside the vocabulary 0..<\(vocabularySize)")
            }
            units.append(contentsOf: wordUnits[Int(word)])
        }
        return units
    }

    /// Units, words and units per word (the compression ratio) of `sequences` once encoded.
    public func statistics(_ sequences: [[Int32]]) throws -> UnitLanguageStatistics {
        var units = 0, words = 0
        for sequence in sequences {
            units += sequence.count
            words += try encode(sequence).count
        }
        return UnitLanguageStatistics(units: units, words: words)
    }

    // MARK: - Files

    /// Writes the language as JSON, atomically.
    public func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }

    /// Reads a language written by `save(to:)`.
    public static func load(from url: URL) throws -> UnitLanguage {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw UnitLanguageError("cannot read unit language \(url.path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(UnitLanguage.self, from: data) } catch let error as UnitLanguageError {
            throw error
        } catch {
            throw UnitLanguageError("\(url.path) is not a unit language file: \(error)")
        }
    }
}

// MARK: - Codable (the word table is rebuilt and checked on load)

extension UnitLanguage: Codable {
    enum CodingKeys: String, CodingKey { case baseUnits = "base_units", merges }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let pairs = try container.decode([[Int32]].self, forKey: .merges)
        guard let bad = pairs.firstIndex(where: { $0.count != 2 }) else {
            try self.init(baseUnits: try container.decode(Int.self, forKey: .baseUnits),
                          merges: pairs.map { UnitMerge(left: $0[0], right: $0[1]) })
            return
        }
        throw UnitLanguageError("merge \(bad) has \(pairs[bad].count) words; each merge is a pair [left, right]")
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(baseUnits, forKey: .baseUnits)
        try container.encode(merges.map { [$0.left, $0.right] }, forKey: .merges)
    }
}

// MARK: - Supporting types

/// One merge: two adjacent words that become a new word.
public struct UnitMerge: Equatable, Hashable, Sendable {
    public let left: Int32
    public let right: Int32
    public init(left: Int32, right: Int32) { self.left = left; self.right = right }
    var key: UInt64 { Self.key(left, right) }
    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }
}

/// How much a unit language shortens sequences.
public struct UnitLanguageStatistics: Codable, Equatable, Sendable {
    public let units: Int
    public let words: Int
    /// Units per word: the compression ratio of words over units.
    public var unitsPerWord: Double { words == 0 ? 0 : Double(units) / Double(words) }
}

/// A unit language problem; the message says what is wrong and what to change.
public struct UnitLanguageError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
