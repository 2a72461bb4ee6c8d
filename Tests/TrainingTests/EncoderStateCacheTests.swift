import Audio
import Formats
import Models
import Tensor
import Training
import XCTest

final class EncoderStateCacheTests: XCTestCase {
    func testStatesAreComputedOnceAndMatchTheEncoder() throws {
        let folder = EchoXHome.models.appendingPathComponent("whisper-tiny.en")
        guard FileManager.default.fileExists(atPath: folder.path) else {
            return XCTFail("no Whisper tiny.en in \(folder.path): run `echox model fetch whisper-tiny.en`")
        }
        let model = try WhisperModel.load(folder)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("state-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        var rng = SeededRandom(seed: 1)
        let wav = work.appendingPathComponent("q.wav")
        let clip = try SpeechSynthesizer().render("What is the capital of France?", voice: .target, rng: &rng)
        try AudioFile.write(clip, to: wav)

        let cache = EncoderStateCache(model: model, folder: work.appendingPathComponent("cache"))
        let first = try cache.states(id: "q/1", audio: wav)
        XCTAssertFalse(first.cached)
        XCTAssertEqual(first.width, model.config.width)
        // Whisper's encoder runs at 50 frames per second of audio.
        XCTAssertEqual(Double(first.frames), clip.duration * 50, accuracy: 2)
        let again = try cache.states(id: "q/1", audio: wav)
        XCTAssertTrue(again.cached)
        XCTAssertEqual(again.values, first.values)
        let direct = try model.encode(try model.logMel(try AudioFile.read(wav, sampleRate: 16_000).samples), keepLayers: false)
        XCTAssertEqual(direct.final, first.values)

        // A damaged cache file is recomputed, not trusted.
        let file = work.appendingPathComponent("cache/q_1.safetensors")
        try Data("not a tensor file".utf8).write(to: file)
        let recomputed = try cache.states(id: "q/1", audio: wav)
        XCTAssertFalse(recomputed.cached)
        XCTAssertEqual(recomputed.values, first.values)
    }
}
