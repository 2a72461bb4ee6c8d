import Foundation
import XCTest
@testable import Audio

final class AudioFileTests: XCTestCase {
    /// Samples that 16-bit PCM represents exactly (multiples of 1/32768), including both extremes.
    private func int16Representable(count: Int) -> [Float] {
        var state: UInt32 = 12345
        var out = (0..<count).map { _ -> Float in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(Int16(truncatingIfNeeded: state >> 16)) / 32768
        }
        out[0] = -1; out[1] = Float(32767) / 32768; out[2] = 0
        return out
    }

    // MARK: - Round trips

    func testWAV16RoundTripIsBitExact() throws {
        let dir = try temporaryDirectory(self)
        let samples = int16Representable(count: 150_000)   // several read blocks
        let url = dir.appendingPathComponent("a.wav")
        try AudioFile.write(samples, sampleRate: 16_000, to: url)
        let clip = try AudioFile.read(url)
        XCTAssertEqual(clip.sampleRate, 16_000)
        XCTAssertEqual(clip.samples.map(\.bitPattern), samples.map(\.bitPattern))
    }

    func testFLACRoundTripIsBitExact() throws {
        let dir = try temporaryDirectory(self)
        let samples = int16Representable(count: 30_000)
        let url = dir.appendingPathComponent("a.flac")
        try AudioFile.write(samples, sampleRate: 22_050, to: url, format: .flac16)
        let head = try FileHandle(forReadingFrom: url).readData(ofLength: 4)
        XCTAssertEqual(String(decoding: head, as: UTF8.self), "fLaC")
        let clip = try AudioFile.read(url)
        XCTAssertEqual(clip.sampleRate, 22_050)
        XCTAssertEqual(clip.samples.map(\.bitPattern), samples.map(\.bitPattern))
    }

    func testFloatWAVRoundTripIsExact() throws {
        let dir = try temporaryDirectory(self)
        let samples = sine(123.4, rate: 8_000, seconds: 0.5, amplitude: 0.9)
        let url = dir.appendingPathComponent("f.wav")
        try AudioFile.write(samples, sampleRate: 8_000, to: url, format: .wavFloat)
        XCTAssertEqual(try AudioFile.read(url).samples, samples)
    }

    func testWriteIsAtomicAndLeavesNoTemporaryFiles() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("out.wav")
        try AudioFile.write([0.25, -0.25], sampleRate: 16_000, to: url)
        try AudioFile.write([0.5, -0.5, 0.125], sampleRate: 16_000, to: url)
        XCTAssertEqual(try AudioFile.read(url).samples, [0.5, -0.5, 0.125])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.wav"])
    }

    func testMemoryReadMatchesDiskRead() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("m.flac")
        try AudioFile.write(sine(440, rate: 16_000, seconds: 0.3), sampleRate: 16_000, to: url, format: .flac16)
        XCTAssertEqual(try AudioFile.read(data: Data(contentsOf: url)), try AudioFile.read(url))
    }

    // MARK: - Channels, rates and containers

    func testStereo44kReadsAsAveragedMonoAndResamplesTo16k() throws {
        let dir = try temporaryDirectory(self)
        let left = sine(1000, rate: 44_100, seconds: 1.5, amplitude: 0.6)
        let right = sine(1000, rate: 44_100, seconds: 1.5, amplitude: 0.2)
        var interleaved = [Int16]()
        for i in 0..<left.count {
            interleaved.append(Int16((left[i] * 32767).rounded()))
            interleaved.append(Int16((right[i] * 32767).rounded()))
        }
        let url = dir.appendingPathComponent("stereo.wav")
        try wavBytes(interleaved: interleaved, channels: 2, rate: 44_100).write(to: url)
        let native = try AudioFile.read(url)
        XCTAssertEqual(native.sampleRate, 44_100)
        XCTAssertEqual(native.samples.count, left.count)
        for i in stride(from: 0, to: left.count, by: 997) {
            XCTAssertEqual(native.samples[i], 0.4 * Float(sin(2 * Double.pi * 1000 * Double(i) / 44_100)), accuracy: 1e-4)
        }
        let clip = try AudioFile.read(url, sampleRate: 16_000)
        XCTAssertEqual(clip.sampleRate, 16_000)
        XCTAssertEqual(clip.samples.count, 24_000)
        let middle = clip.samples[1_600..<22_400]
        XCTAssertEqual(zeroCrossingFrequency(middle, rate: 16_000), 1000, accuracy: 0.5)
        XCTAssertEqual(meanSquare(middle), 0.4 * 0.4 / 2, accuracy: 0.002)
    }

    func testOggVorbisFromSoxIsReadable() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("tone.ogg")
        try runTool("sox", ["-n", "-r", "22050", "-c", "2", url.path, "synth", "1", "sine", "1000", "gain", "-6"],
                    installHint: "apt-get install sox libsox-fmt-all")
        let clip = try AudioFile.read(url)
        XCTAssertEqual(clip.sampleRate, 22_050)
        XCTAssertEqual(clip.samples.count, 22_050, accuracy: 100)
        XCTAssertEqual(zeroCrossingFrequency(clip.samples[2_000..<20_000], rate: 22_050), 1000, accuracy: 1)
    }

    // MARK: - Errors

    func testMissingFileSaysNotFound() {
        XCTAssertThrowsError(try AudioFile.read(URL(fileURLWithPath: "/nonexistent/x.wav"))) { error in
            XCTAssertEqual(error as? AudioError, .fileNotFound(path: "/nonexistent/x.wav"))
            XCTAssertTrue("\(error)".contains("/nonexistent/x.wav"))
        }
    }

    func testDirectoryGarbageAndEmptyFilesGiveClearErrors() throws {
        let dir = try temporaryDirectory(self)
        XCTAssertThrowsError(try AudioFile.read(dir)) { error in
            guard case .unreadable = error as? AudioError else { return XCTFail("got \(error)") }
        }
        let text = dir.appendingPathComponent("notes.wav")
        try Data("this is not audio at all, just some text".utf8).write(to: text)
        XCTAssertThrowsError(try AudioFile.read(text)) { error in
            guard case .unsupportedFormat(let path, let reason) = error as? AudioError else { return XCTFail("got \(error)") }
            XCTAssertEqual(path, text.path)
            XCTAssertTrue(reason.contains("libsndfile"), reason)
        }
        let empty = dir.appendingPathComponent("empty.wav")
        try wavBytes(interleaved: [], channels: 1, rate: 16_000).write(to: empty)
        XCTAssertThrowsError(try AudioFile.read(empty)) { error in
            XCTAssertEqual(error as? AudioError, .empty(path: empty.path))
        }
        XCTAssertThrowsError(try AudioFile.read(data: Data())) { XCTAssertEqual($0 as? AudioError, .empty(path: "<memory>")) }
    }

    /// Headers that cannot describe audio (no channels, no sample rate) and a data chunk that claims far
    /// more bytes than the file has: clear errors, or only the samples that are really there.
    func testImpossibleHeadersAreErrorsAndDeclaredSizesAreNotTrusted() throws {
        let samples: [Int16] = [100, -100, 200, -200, 300, -300, 400, -400]
        for (channels, rate, name) in [(0, 16_000, "no-channels.wav"), (1, 0, "no-rate.wav")] {
            XCTAssertThrowsError(try AudioFile.read(data: wavBytes(interleaved: samples, channels: channels, rate: rate), name: name)) { error in
                guard let error = error as? AudioError else { return XCTFail("\(name): \(error)") }
                XCTAssertTrue(error.description.contains(name) && error.description.contains(" — "), "\(name): \(error)")
            }
        }
        var huge = wavBytes(interleaved: samples, channels: 1, rate: 16_000)
        huge.replaceSubrange(40..<44, with: [0xF0, 0xFF, 0xFF, 0x7F])   // data chunk length ≈ 2 GB
        huge.replaceSubrange(4..<8, with: [0xFF, 0xFF, 0xFF, 0x7F])     // RIFF length to match
        let clip = try AudioFile.read(data: huge, name: "huge.wav")
        XCTAssertEqual(clip.samples.count, samples.count)
        XCTAssertEqual(clip.samples.first ?? 0, 100 / 32768, accuracy: 1e-6)
    }

    /// A header claiming 1 Hz turns 70,000 samples into over a billion at 16 kHz: an error before allocating.
    func testResamplingToASizeBeyondMemoryIsAnError() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("one-hertz.wav")
        try wavBytes(interleaved: [Int16](repeating: 1000, count: 70_000), channels: 1, rate: 1).write(to: url)
        XCTAssertEqual(try AudioFile.read(url).samples.count, 70_000)
        XCTAssertThrowsError(try AudioFile.read(url, sampleRate: 16_000)) { error in
            guard case .invalidArgument(let message) = error as? AudioError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("resampling 70000 samples from 1 to 16000 Hz would make 1120000000 samples"), message)
            XCTAssertTrue(message.contains("check the recording's sample rate"), message)
        }
        XCTAssertEqual(try AudioFile.read(url, sampleRate: 2).samples.count, 140_000)
    }

    func testInvalidWritesThrow() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("bad.wav")
        XCTAssertThrowsError(try AudioFile.write([], sampleRate: 16_000, to: url))
        XCTAssertThrowsError(try AudioFile.write([0.1], sampleRate: 0, to: url))
        XCTAssertThrowsError(try AudioFile.write([0.1, .nan], sampleRate: 16_000, to: url)) { error in
            XCTAssertTrue("\(error)".contains("sample 1"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
