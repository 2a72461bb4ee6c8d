import Foundation
import XCTest
import Tensor
@testable import Units

final class UnitLanguageTests: XCTestCase {
    // MARK: - Data

    static func randomSequences(_ count: Int, length: ClosedRange<Int>, units: Int, seed: UInt64) -> [[Int32]] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            (0..<(length.lowerBound + rng.int(below: length.count))).map { _ in Int32(rng.int(below: units)) }
        }
    }

    /// Sequences made of "words" from a small lexicon of unit n-grams (2 to 6 units each).
    static func lexiconSequences(_ count: Int, lexicon size: Int, units: Int, seed: UInt64) -> (sequences: [[Int32]], meanWordLength: Double) {
        var rng = SeededRandom(seed: seed)
        let lexicon = (0..<size).map { _ in (0..<(2 + rng.int(below: 5))).map { _ in Int32(rng.int(below: units)) } }
        var total = 0, words = 0
        let sequences = (0..<count).map { _ -> [Int32] in
            var sequence: [Int32] = []
            for _ in 0..<(5 + rng.int(below: 20)) {
                sequence += lexicon[rng.int(below: size)]
                words += 1
            }
            total += sequence.count
            return sequence
        }
        return (sequences, Double(total) / Double(words))
    }

    // MARK: - Round trips

    func testRoundTripOnRandomSequences() throws {
        let sequences = Self.randomSequences(300, length: 0...60, units: 16, seed: 1)
        let (language, report) = try UnitLanguage.train(sequences, baseUnits: 16, config: UnitLanguageConfig(vocabularySize: 200))
        XCTAssertGreaterThan(report.merges, 0)
        var words = 0, units = 0
        for sequence in sequences {
            let encoded = try language.encode(sequence)
            XCTAssertEqual(try language.decode(encoded), sequence)
            XCTAssertTrue(encoded.allSatisfy { $0 >= 0 && Int($0) < language.vocabularySize })
            words += encoded.count; units += sequence.count
        }
        // Encoding the training data reproduces the training-time segmentation exactly.
        XCTAssertEqual(words, report.statistics.words)
        XCTAssertEqual(units, report.statistics.units)
        // Unseen sequences round-trip too.
        for sequence in Self.randomSequences(50, length: 0...80, units: 16, seed: 2) {
            XCTAssertEqual(try language.decode(try language.encode(sequence)), sequence)
        }
    }

    func testRoundTripOnStructuredSequences() throws {
        // Long runs and repeats stress overlapping pairs such as (a, a) in "a a a a a".
        let sequences: [[Int32]] = [
            Array(repeating: 3, count: 17), [1, 2, 1, 2, 1, 2, 1], [0, 0, 0, 1, 0, 0, 0, 1, 0, 0],
            (0..<40).map { Int32($0 % 4) }, [2], [], (0..<25).map { Int32(($0 / 3) % 5) },
        ]
        let (language, _) = try UnitLanguage.train(sequences + sequences, baseUnits: 5, config: UnitLanguageConfig(vocabularySize: 40))
        for sequence in sequences + [Array(repeating: 3, count: 9), [4, 4, 3, 3, 3, 4]] {
            let encoded = try language.encode(sequence)
            XCTAssertEqual(try language.decode(encoded), sequence, "round trip of \(sequence) via \(encoded)")
        }
        XCTAssertLessThan(try language.encode(Array(repeating: 3, count: 17)).count, 6)
    }

    // MARK: - Compression

    func testLexiconSequencesCompressAtLeastTwofold() throws {
        let (sequences, meanWordLength) = Self.lexiconSequences(400, lexicon: 60, units: 50, seed: 3)
        let config = UnitLanguageConfig(vocabularySize: 50 + 200, minimumCount: 3)
        let (language, report) = try UnitLanguage.train(sequences, baseUnits: 50, config: config)
        let heldOut = try language.statistics(Self.lexiconSequences(100, lexicon: 60, units: 50, seed: 3).sequences)
        print("unit language: \(report.merges) merges, training \(report.statistics.unitsPerWord) units/word, lexicon mean \(meanWordLength), stop: \(report.stopReason), \(report.seconds) s")
        XCTAssertGreaterThanOrEqual(report.statistics.unitsPerWord, 2)
        XCTAssertGreaterThanOrEqual(heldOut.unitsPerWord, 2)
        XCTAssertLessThan(try language.statistics(Self.randomSequences(100, length: 20...40, units: 50, seed: 4)).unitsPerWord,
                          heldOut.unitsPerWord, "random unit sequences should compress less than lexicon ones")
    }

    func testStopsAtMinimumCountAndWordLength() throws {
        let sequences: [[Int32]] = Array(repeating: [0, 1, 2, 3, 4, 5, 6, 7], count: 3)
        let (language, report) = try UnitLanguage.train(sequences, baseUnits: 8, config: UnitLanguageConfig(vocabularySize: 100, minimumCount: 3))
        XCTAssertEqual(language.vocabularySize, 8 + 7)          // everything merges into the one 8-unit word
        XCTAssertEqual(try language.encode([0, 1, 2, 3, 4, 5, 6, 7]).count, 1)
        XCTAssertTrue(report.stopReason.contains("at least 3"), report.stopReason)
        let (limited, _) = try UnitLanguage.train(sequences, baseUnits: 8, config: UnitLanguageConfig(vocabularySize: 100, maxUnitsPerWord: 3))
        XCTAssertLessThanOrEqual(limited.wordUnits.map(\.count).max() ?? 0, 3)
        let (capped, _) = try UnitLanguage.train(sequences, baseUnits: 8, config: UnitLanguageConfig(vocabularySize: 10))
        XCTAssertEqual(capped.vocabularySize, 10)
    }

    // MARK: - Determinism and files

    func testMergesAreDeterministic() throws {
        let sequences = Self.lexiconSequences(200, lexicon: 30, units: 20, seed: 5).sequences
        let config = UnitLanguageConfig(vocabularySize: 120)
        let a = try UnitLanguage.train(sequences, baseUnits: 20, config: config).language
        let b = try UnitLanguage.train(sequences, baseUnits: 20, config: config).language
        XCTAssertEqual(a.merges, b.merges)
        // The first merge is the most frequent adjacent pair, found here by a plain recount.
        var counts: [[Int32]: Int] = [:]
        for s in sequences where s.count > 1 { for i in 0..<(s.count - 1) { counts[[s[i], s[i + 1]], default: 0] += 1 } }
        let best = counts.max { $0.value != $1.value ? $0.value < $1.value : ($0.key[0], $0.key[1]) > ($1.key[0], $1.key[1]) }!
        XCTAssertEqual([a.merges[0].left, a.merges[0].right], best.key)
    }

    func testSaveLoadAndErrors() throws {
        let sequences = Self.randomSequences(100, length: 10...30, units: 12, seed: 6)
        let language = try UnitLanguage.train(sequences, baseUnits: 12, config: UnitLanguageConfig(vocabularySize: 60)).language
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unitlang-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("language.json")
        try language.save(to: url)
        let loaded = try UnitLanguage.load(from: url)
        XCTAssertEqual(loaded, language)
        XCTAssertEqual(try loaded.encode(sequences[0]), try language.encode(sequences[0]))
        XCTAssertThrowsError(try language.encode([0, 12])) { XCTAssertTrue("\($0)".contains("outside 0..<12"), "\($0)") }
        XCTAssertThrowsError(try language.decode([Int32(language.vocabularySize)]))
        XCTAssertThrowsError(try UnitLanguage(baseUnits: 4, merges: [UnitMerge(left: 0, right: 4)]))
        XCTAssertThrowsError(try UnitLanguage.train([[0, 5]], baseUnits: 4, config: UnitLanguageConfig(vocabularySize: 8)))
        XCTAssertThrowsError(try UnitLanguage.train([[0, 1]], baseUnits: 4, config: UnitLanguageConfig(vocabularySize: 3)))
        try Data(#"{"base_units": 4, "merges": [[0, 1, 2]]}"#.utf8).write(to: url)
        XCTAssertThrowsError(try UnitLanguage.load(from: url)) { XCTAssertTrue("\($0)".contains("pair"), "\($0)") }
    }

    // MARK: - Speed

    func testTrainingSpeed() throws {
        #if DEBUG
        let count = 500
        #else
        let count = 5000
        #endif
        let sequences = Self.lexiconSequences(count, lexicon: 500, units: 100, seed: 7).sequences
        let (language, report) = try UnitLanguage.train(sequences, baseUnits: 100, config: UnitLanguageConfig(vocabularySize: 2100))
        let start = Date()
        let stats = try language.statistics(sequences)
        let encodeSeconds = Date().timeIntervalSince(start)
        print("unit language speed: \(report.statistics.units) units, \(report.merges) merges in \(String(format: "%.2f", report.seconds)) s, encode \(String(format: "%.2f", encodeSeconds)) s, \(stats.unitsPerWord) units/word")
        XCTAssertEqual(stats, report.statistics)
        XCTAssertLessThan(report.seconds, 30)
    }
}
