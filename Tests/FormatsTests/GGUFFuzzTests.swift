import Foundation
import Tensor
import XCTest
@testable import Formats

/// Ten thousand mutated copies of a valid file, each with the outcome its mutation implies:
/// - bytes changed only in tensor data: the file loads with the same metadata and tensor infos, and
///   every value whose bytes were not touched is bit for bit what it was;
/// - a huge value in one count, length, type or offset field: rejected by the check of that very
///   field (so nothing is read or reserved on the strength of it);
/// - a truncation: rejected, saying so, unless only the padding after the last tensor is cut;
/// - random flips, insertions and deletions anywhere: a load, or a `GGUFError`.
/// Every rejection must say what and where (offsets inside the file, names, non-empty reasons), and
/// no file may take long or much memory.
final class GGUFFuzzTests: XCTestCase {
    struct Original {
        let bytes: [UInt8]
        let file: GGUFFile
        let values: [[Float]]
        let layout: GGUFLayout
        /// End of the last tensor's bytes; the file after it is padding.
        let dataEnd: Int
    }

    func testTenThousandMutatedFiles() throws {
        let (data, _) = try GGUFSamples.smallFile()
        let file = try GGUFFile(data: data)
        let original = Original(bytes: [UInt8](data), file: file, values: try file.tensors.map { try file.floats(of: $0) },
                                layout: GGUFLayout(data),
                                dataEnd: file.dataOffset + file.tensors.map { $0.offset + $0.byteCount }.max()!)
        XCTAssertEqual(original.layout.fields.count, 53, "the sample's two header counts, 33 metadata fields and 6 per tensor")
        XCTAssertTrue((file.dataOffset - file.alignment + 1...file.dataOffset).contains(original.layout.headerEnd))
        XCTAssertLessThan(original.dataEnd, original.bytes.count, "the sample ends with padding")

        var rng = SeededRandom(seed: 0x6767_7566)
        var cases = [0, 0, 0, 0]
        var slowest: Duration = .zero
        let memoryBefore = peakResidentBytes()
        let clock = ContinuousClock(), start = clock.now
        for _ in 0..<10_000 {
            let kind = Int.random(in: 0..<4, using: &rng)
            cases[kind] += 1
            let t = clock.now
            switch kind {
            case 0: checkDataMutation(original, &rng)
            case 1: checkHugeField(original, &rng)
            case 2: checkTruncation(original, &rng)
            default: checkArbitraryMutation(original, &rng)
            }
            slowest = max(slowest, clock.now - t)
        }
        let elapsed = clock.now - start
        let memoryGrowth = peakResidentBytes() - memoryBefore
        print("GGUF fuzz: \(cases) mutations of each kind in \(elapsed), slowest \(slowest), peak memory +\(memoryGrowth >> 20) MB")
        XCTAssertTrue(cases.allSatisfy { $0 > 2000 }, "\(cases)")
        XCTAssertLessThan(slowest, .milliseconds(500), "one mutated 1 KB file took \(slowest)")
        XCTAssertLessThan(elapsed, .seconds(30))
        XCTAssertLessThan(memoryGrowth, 256 << 20, "reading mutated files raised the peak memory by \(memoryGrowth >> 20) MB")
    }

    // MARK: - Mutations with known outcomes

    /// Flips bytes after `dataOffset`: the header is intact, so the file must load.
    func checkDataMutation(_ original: Original, _ rng: inout SeededRandom) {
        var bytes = original.bytes
        var touched = Set<Int>()
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let at = Int.random(in: original.file.dataOffset..<bytes.count, using: &rng)
            bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
            touched.insert(at)
        }
        guard let (file, values) = load(bytes, expectLoad: "bytes \(touched.sorted()) of tensor data changed") else { return }
        XCTAssertEqual(file.metadataKeys, original.file.metadataKeys)
        XCTAssertEqual(file.tensors, original.file.tensors)
        for (n, info) in file.tensors.enumerated() {
            let start = file.dataOffset + info.offset
            let range = start..<start + info.byteCount
            let hit = touched.filter(range.contains)
            if info.type == .f32 {
                // Each value has its own four bytes: the untouched ones must not change.
                let changed = Set(hit.map { ($0 - start) / 4 })
                for i in values[n].indices where !changed.contains(i) && values[n][i].bitPattern != original.values[n][i].bitPattern {
                    XCTFail("\(info.name)[\(i)] changed although only bytes \(hit.sorted()) were touched")
                    break
                }
            } else if hit.isEmpty {
                XCTAssertEqual(values[n].map(\.bitPattern), original.values[n].map(\.bitPattern), "\(info.name) was not touched")
            }
        }
    }

    /// Writes a huge value into one field; the reader must reject it at that field.
    func checkHugeField(_ original: Original, _ rng: inout SeededRandom) {
        let (offset, field) = original.layout.fields.randomElement(using: &rng)!
        let wide: [UInt64] = [.max, UInt64(Int.max), 1 << 63, 1 << 40, 1 << 32, 0xFFFF_FFFF, 1 << 20]
        let narrow: [UInt64] = [0xFFFF_FFFF, 0x8000_0000, 1 << 20, 1 << 16]
        let value = (field.width == 8 ? wide : narrow).randomElement(using: &rng)! - UInt64.random(in: 0...2, using: &rng)
        var bytes = original.bytes
        for i in 0..<field.width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        let what = "\(value) written over the \(field) field at offset \(offset)"
        guard let error = reject(bytes, what) else { return }
        switch (field, error) {
        case (.count, .invalid(let name, let at, _)) where at == offset && (name.contains("count") || name.contains("length")): break
        case (.valueType, .invalid(let name, let at, _)) where at == offset && name.contains("type"): break
        case (.rank(let t), .badTensor(let name, _)) where name == t: break
        case (.dimension(let t), .badTensor(let name, _)) where name == t: break
        case (.tensorType(let t), .unknownType(_, let name)) where name == t: break
        case (.dataOffset(let t), .badTensor(let name, _)) where name == t: break
        case (.dataOffset, .invalid(_, let at, _)) where at == offset: break
        default: XCTFail("\(what): rejected for another reason: \(error)")
        }
    }

    /// Cuts the file short: rejected as truncated unless only the trailing padding goes.
    func checkTruncation(_ original: Original, _ rng: inout SeededRandom) {
        let length = Int.random(in: 0..<original.bytes.count, using: &rng)
        let bytes = Array(original.bytes.prefix(length))
        let what = "the file cut to \(length) of \(original.bytes.count) bytes"
        if length >= original.dataEnd {
            guard let (file, values) = load(bytes, expectLoad: what) else { return }
            XCTAssertEqual(file.tensors, original.file.tensors)
            XCTAssertEqual(values.map { $0.map(\.bitPattern) }, original.values.map { $0.map(\.bitPattern) })
        } else if let error = reject(bytes, what) {
            let said = error.description
            XCTAssertTrue(said.contains("truncated") || said.contains("rest of the file"), "\(what): \(said)")
        }
    }

    /// Flips, inserts or deletes bytes anywhere: either outcome, but a clean one.
    func checkArbitraryMutation(_ original: Original, _ rng: inout SeededRandom) {
        var bytes = original.bytes
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
        case 1:
            let at = Int.random(in: 0...bytes.count, using: &rng)
            bytes.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
        default:
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)))
        }
        switch open(bytes) {
        case .success: break
        case .failure(let error): checkInformative(error, size: bytes.count, "an arbitrary mutation")
        }
    }

    // MARK: - Outcomes

    /// Parses `bytes` and dequantises every tensor that can be.
    func open(_ bytes: [UInt8]) -> Result<(GGUFFile, [[Float]]), Error> {
        Result {
            let file = try GGUFFile(data: Data(bytes))
            let values = try file.tensors.map { info -> [Float] in
                XCTAssertLessThanOrEqual(file.dataOffset + info.offset + info.byteCount, bytes.count, "\(info.name) ends past the file")
                let v = info.type.isDequantisable ? try file.floats(of: info) : []
                if info.type.isDequantisable { XCTAssertEqual(v.count, info.count, "values of \(info.name)") }
                return v
            }
            return (file, values)
        }
    }

    func load(_ bytes: [UInt8], expectLoad what: String) -> (GGUFFile, [[Float]])? {
        switch open(bytes) {
        case .success(let loaded): return loaded
        case .failure(let error): XCTFail("\(what): must load, but: \(error)"); return nil
        }
    }

    func reject(_ bytes: [UInt8], _ what: String) -> GGUFError? {
        switch open(bytes) {
        case .success: XCTFail("\(what): loaded, but must be rejected"); return nil
        case .failure(let error):
            checkInformative(error, size: bytes.count, what)
            return error as? GGUFError
        }
    }

    /// A rejection is a `GGUFError` that names a place in the file and a reason.
    func checkInformative(_ error: Error, size: Int, _ what: String) {
        guard let error = error as? GGUFError else { return XCTFail("\(what): not a GGUFError: \(error)") }
        let said = error.description
        XCTAssertTrue(["offset", "tensor '", "first four bytes", "version"].contains(where: said.contains), "\(what): \(said)")
        switch error {
        case .truncated(let field, let offset, let needed, let fileSize):
            XCTAssertEqual(fileSize, size, "\(what): \(said)")
            XCTAssertTrue(!field.isEmpty && (0...size).contains(offset) && needed > size - offset, "\(what): \(said)")
        case .invalid(let field, let offset, let reason):
            XCTAssertTrue(!field.isEmpty && !reason.isEmpty && (0..<size).contains(offset), "\(what): \(said)")
        case .badTensor(let name, let reason):
            XCTAssertFalse(reason.isEmpty, "\(what): \(said) (tensor '\(name)')")
        case .badMagic, .unsupportedVersion, .unknownType, .unsupportedType: break
        case .io, .noSuchTensor, .missingMetadata, .cannotWrite, .outOfMemory: XCTFail("\(what): a parse cannot fail with \(said)")
        }
    }

    /// The process's peak resident memory in bytes.
    func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }
}
