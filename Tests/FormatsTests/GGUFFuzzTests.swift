import Tensor
import XCTest
@testable import Formats

/// Mutated and truncated copies of a valid file must either load (and dequantise) or throw a
/// `GGUFError`; nothing may crash.
final class GGUFFuzzTests: XCTestCase {
    func testTenThousandMutatedFilesNeverCrash() throws {
        let (original, _) = try GGUFSamples.smallFile()
        let headerEnd = try GGUFFile(data: original).dataOffset
        var rng = SeededRandom(seed: 0x6767_7566)
        let huge: [UInt64] = [.max, UInt64(Int.max), 1 << 63, 1 << 40, 1 << 32, 0xFFFF_FFFF, 1 << 20]
        var loaded = 0, rejected = 0
        for _ in 0..<10_000 {
            var bytes = [UInt8](original)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: // flip a few bytes
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 1: // a huge value where a count or length may be
                let at = Int.random(in: 0..<(headerEnd - 8), using: &rng)
                let v = huge.randomElement(using: &rng)! &- UInt64.random(in: 0...2, using: &rng)
                withUnsafeBytes(of: v.littleEndian) { bytes.replaceSubrange(at..<at + (Bool.random(using: &rng) ? 8 : 4), with: $0.prefix(Bool.random(using: &rng) ? 8 : 4)) }
            case 2: // insert random bytes
                let at = Int.random(in: 0...bytes.count, using: &rng)
                bytes.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 3: // delete a run
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)))
            default: // truncate
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
            }
            do {
                let file = try GGUFFile(data: Data(bytes))
                for info in file.tensors where info.type.isDequantisable {
                    let values = try file.floats(of: info)
                    XCTAssertEqual(values.count, info.count)
                }
                loaded += 1
            } catch is GGUFError {
                rejected += 1
            } catch {
                XCTFail("unexpected error type: \(error)")
            }
        }
        XCTAssertEqual(loaded + rejected, 10_000)
        XCTAssertGreaterThan(loaded, 100)   // some mutations (in tensor data) leave a valid file
        XCTAssertGreaterThan(rejected, 1000)
    }
}
