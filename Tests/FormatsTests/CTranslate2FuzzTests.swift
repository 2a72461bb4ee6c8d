import Foundation
import XCTest
@testable import Formats
import Tensor

/// Mutated and truncated copies of a valid CTranslate2 file load or throw a `CTranslate2Error`;
/// nothing crashes. The file format has no slack, so the outcome of some mutations is known.
final class CTranslate2FuzzTests: XCTestCase {
    func testTenThousandMutationsNeverCrash() throws {
        let (original, _) = CTranslate2Samples.smallFile()
        let reference = try CTranslate2File(data: original)
        let dataRanges = CTranslate2Samples.dataRanges(reference)
        let dataBytes = dataRanges.flatMap { Array($0) }
        var rng = SeededRandom(seed: 0x6374_3266)
        let huge: [UInt32] = [.max, 1 << 31, 1 << 24, 0xFFFF, 255, 64]
        var loaded = 0, rejected = 0, dataMutations = 0, truncations = 0
        for _ in 0..<10_000 {
            var bytes = [UInt8](original)
            let kind = Int.random(in: 0..<6, using: &rng)
            switch kind {
            case 0: // flip a few bytes anywhere
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 1: // a huge value where a count, length or dimension may be
                let at = Int.random(in: 0..<(bytes.count - 4), using: &rng)
                let v = huge.randomElement(using: &rng)! &- UInt32.random(in: 0...2, using: &rng)
                withUnsafeBytes(of: v.littleEndian) { bytes.replaceSubrange(at..<at + 4, with: $0) }
            case 2: // insert random bytes
                let at = Int.random(in: 0...bytes.count, using: &rng)
                bytes.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 3: // delete a run
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)))
            case 4: // change only tensor data: always loads, with the new values
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    bytes[dataBytes.randomElement(using: &rng)!] = UInt8.random(in: 0...255, using: &rng)
                }
            default: // truncate
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
            }
            do {
                let file = try CTranslate2File(data: Data(bytes))
                for v in file.variables { XCTAssertEqual(file.floats(of: v).count, v.count) }
                XCTAssertNotEqual(kind, 5, "a truncated file loaded")
                loaded += 1
            } catch let error as CTranslate2Error {
                XCTAssertNotEqual(kind, 4, "a file with only its tensor data changed was refused: \(error)")
                XCTAssertFalse(error.description.isEmpty)
                rejected += 1
            } catch {
                XCTFail("unexpected error type: \(error)")
            }
            if kind == 4 { dataMutations += 1 }
            if kind == 5 { truncations += 1 }
        }
        XCTAssertEqual(loaded + rejected, 10_000)
        XCTAssertGreaterThanOrEqual(loaded, dataMutations)
        XCTAssertGreaterThan(dataMutations, 1000)
        XCTAssertGreaterThan(truncations, 1000)
        XCTAssertGreaterThan(rejected, truncations)
    }

    /// Every strict prefix of the file is refused with a message naming what was being read.
    func testEveryTruncationIsRefused() throws {
        let (original, _) = CTranslate2Samples.smallFile()
        for length in 0..<original.count {
            XCTAssertThrowsError(try CTranslate2File(data: original.prefix(length))) { error in
                XCTAssertTrue(error is CTranslate2Error)
                XCTAssertTrue("\(error)".contains("truncated") || "\(error)".contains("malformed"), "\(error)")
            }
        }
    }

    /// A mutated data byte loads and is read back as the mutated value.
    func testDataMutationsAreReadBack() throws {
        let (original, _) = CTranslate2Samples.smallFile()
        let reference = try CTranslate2File(data: original)
        let v = try reference.requireVariable("encoder/conv1/bias")
        var bytes = [UInt8](original)
        withUnsafeBytes(of: Float(42.5).bitPattern.littleEndian) { bytes.replaceSubrange(v.offset..<v.offset + 4, with: $0) }
        XCTAssertEqual(try CTranslate2File(data: Data(bytes)).floats(named: "encoder/conv1/bias").first, 42.5)
    }
}
