import Foundation
import XCTest
@testable import Audio

/// Damaged files must load or throw `AudioError`, never crash or hang.
final class FuzzTests: XCTestCase {
    private struct Mutator {
        var rng: SplitMix
        mutating func below(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }

        /// One damaged copy: byte flips, a header field overwritten with an extreme value, or truncation.
        mutating func mutate(_ original: Data) -> Data {
            var bytes = [UInt8](original)
            switch below(4) {
            case 0:   // flip a few bits anywhere
                for _ in 0..<(1 + below(8)) { bytes[below(bytes.count)] ^= UInt8(1 << below(8)) }
            case 1:   // overwrite a 16- or 32-bit header field with an extreme value
                let extremes: [UInt32] = [0, 1, 2, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, UInt32(truncatingIfNeeded: rng.next())]
                let value = extremes[below(extremes.count)]
                let offset = below(min(64, bytes.count - 4))
                let width = below(2) == 0 ? 2 : 4
                for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
            case 2:   // truncate
                bytes.removeLast(bytes.count - below(bytes.count))
            default:  // random bytes over a stretch of the header
                let start = below(min(48, bytes.count))
                for i in start..<min(bytes.count, start + 1 + below(12)) { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            return Data(bytes)
        }
    }

    private func fuzz(_ original: Data, name: String, count: Int, directory: URL) -> (loaded: Int, rejected: Int) {
        var mutator = Mutator(rng: SplitMix(UInt64(original.count)))
        var loaded = 0, rejected = 0
        for i in 0..<count {
            let damaged = mutator.mutate(original)
            do {
                let clip: AudioClip
                if i % 50 == 0 {   // also exercise the file path
                    let url = directory.appendingPathComponent("\(name)-\(i)")
                    try damaged.write(to: url)
                    clip = try AudioFile.read(url)
                } else {
                    clip = try AudioFile.read(data: damaged, name: "\(name) #\(i)")
                }
                XCTAssertFalse(clip.samples.isEmpty)
                XCTAssertTrue(clip.samples.allSatisfy(\.isFinite))
                loaded += 1
            } catch let error as AudioError {
                XCTAssertFalse(error.description.isEmpty)
                rejected += 1
            } catch {
                XCTFail("\(name) #\(i): unexpected error type \(error)")
            }
        }
        return (loaded, rejected)
    }

    func testDamagedWAVAndFLACNeverCrash() throws {
        let dir = try temporaryDirectory(self)
        let tone = sine(440, rate: 8_000, seconds: 0.25)
        let wavURL = dir.appendingPathComponent("small.wav"), flacURL = dir.appendingPathComponent("small.flac")
        try AudioFile.write(tone, sampleRate: 8_000, to: wavURL)
        try AudioFile.write(tone, sampleRate: 8_000, to: flacURL, format: .flac16)
        let start = Date()
        let wav = fuzz(try Data(contentsOf: wavURL), name: "wav", count: 500, directory: dir)
        let flac = fuzz(try Data(contentsOf: flacURL), name: "flac", count: 500, directory: dir)
        print("fuzz: WAV \(wav.loaded) loaded / \(wav.rejected) rejected, FLAC \(flac.loaded) loaded / \(flac.rejected) rejected, \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        XCTAssertLessThan(Date().timeIntervalSince(start), 30, "a thousand damaged 4 KB files took too long")
        XCTAssertGreaterThan(wav.rejected, 0)
        XCTAssertGreaterThan(flac.rejected, 0)
    }

    /// Damage whose outcome is known, on a canonical 16-bit WAV (44-byte header): bytes changed after
    /// the header leave every untouched sample as it was; a cut inside the header is an error; a cut
    /// in the data keeps exactly the whole samples before it.
    func testWAVDamageHasTheOutcomeItImplies() throws {
        let samples = (0..<1000).map { Int16(truncatingIfNeeded: $0 * 37 - 18_000) }
        let original = wavBytes(interleaved: samples, channels: 1, rate: 8_000)
        let expected = try AudioFile.read(data: original).samples
        XCTAssertEqual(expected.count, samples.count)
        var rng = SplitMix(7)
        func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        for round in 0..<600 {
            var bytes = [UInt8](original)
            if round % 2 == 0 {
                var touched = Set<Int>()
                for _ in 0..<(1 + below(8)) {
                    let at = 44 + below(bytes.count - 44)
                    bytes[at] ^= UInt8(1 + below(255))
                    touched.insert((at - 44) / 2)
                }
                let clip = try AudioFile.read(data: Data(bytes), name: "round \(round)")
                XCTAssertEqual(clip.sampleRate, 8_000)
                XCTAssertEqual(clip.samples.count, expected.count)
                for i in expected.indices where !touched.contains(i) && clip.samples[i] != expected[i] {
                    XCTFail("round \(round): sample \(i) changed, but only samples \(touched.sorted()) were touched"); break
                }
            } else {
                let length = below(bytes.count)
                let cut = Data(bytes.prefix(length))
                if length < 46 {
                    XCTAssertThrowsError(try AudioFile.read(data: cut, name: "cut")) { error in
                        XCTAssertTrue((error as? AudioError)?.description.contains("cut") == true, "\(length) bytes: \(error)")
                    }
                } else {
                    XCTAssertEqual(try AudioFile.read(data: cut).samples, Array(expected.prefix((length - 44) / 2)), "\(length) bytes")
                }
            }
        }
    }
}
