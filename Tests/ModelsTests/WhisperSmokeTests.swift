import Audio
import Foundation
import Formats
import Tensor
import XCTest
@testable import Models

/// A tiny random Whisper written as a CTranslate2 folder: shapes, determinism and the name table,
/// without the pretrained model.
final class WhisperSmokeTests: XCTestCase {
    /// Writes a model of `config` with random float16 weights; returns its folder.
    static func tinyFolder(_ config: WhisperConfig = .tiny, seed: UInt64 = 3) throws -> URL {
        var rng = SeededRandom(seed: seed)
        let c = config.width, f = 4 * c, t = WhisperTensorTable.self
        var variables: [(String, [Int])] = [
            ("encoder/conv1/weight", [c, config.melCount, 3]), ("encoder/conv1/bias", [c]),
            ("encoder/conv2/weight", [c, c, 3]), ("encoder/conv2/bias", [c]),
            ("encoder/position_encodings/encodings", [config.audioContext, c]),
            ("encoder/layer_norm/gamma", [c]), ("encoder/layer_norm/beta", [c]),
            ("decoder/embeddings/weight", [config.vocabularySize, c]), ("decoder/position_encodings/encodings", [config.textContext, c]),
            ("decoder/layer_norm/gamma", [c]), ("decoder/layer_norm/beta", [c]),
        ]
        func shape(_ part: String) -> [Int] {
            if part.hasSuffix("layer_norm/gamma") || part.hasSuffix("layer_norm/beta") { return [c] }
            let rows: Int
            switch part.split(separator: "/").dropLast().joined(separator: "/") {
            case "self_attention/linear_0": rows = 3 * c
            case "attention/linear_1": rows = 2 * c
            case "ffn/linear_0": rows = f
            default: rows = c
            }
            let cols = part.hasPrefix("ffn/linear_1") ? f : c
            return part.hasSuffix("bias") ? [rows] : [rows, cols]
        }
        for l in 0..<config.encoderLayers { variables += t.encoderLayer.map { (t.encoder(l, $0), shape($0)) } }
        for l in 0..<config.decoderLayers { variables += t.decoderLayer.map { (t.decoder(l, $0), shape($0)) } }

        var out = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) {
            let bytes = Array(s.utf8) + [0]
            withUnsafeBytes(of: UInt16(bytes.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes)
        }
        func scalar(_ name: String, int16 v: Int16) {
            string(name); out.append(0); out.append(2); u32(2)
            withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
        }
        u32(6); string("WhisperSpec"); u32(3)
        u32(variables.count + 2)
        for (name, dims) in variables {
            string(name); out.append(UInt8(dims.count)); dims.forEach(u32)
            let n = dims.reduce(1, *)
            out.append(4); u32(2 * n)
            let gain: Float = name.hasSuffix("gamma") ? 1 : 0
            for _ in 0..<n {
                let v = gain + Float.random(in: -0.5...0.5, using: &rng)
                withUnsafeBytes(of: floatToHalf(v).littleEndian) { out.append(contentsOf: $0) }
            }
        }
        scalar("encoder/num_heads", int16: Int16(config.encoderHeads))
        scalar("decoder/num_heads", int16: Int16(config.decoderHeads))
        u32(1); string("decoder/projection/weight"); string("decoder/embeddings/weight")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("echox-whisper-tiny-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try out.write(to: folder.appendingPathComponent("model.bin"))
        var tokens = (0..<(config.vocabularySize - 3)).map { "t\($0)" }
        tokens += ["<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>"]
        try tokens.joined(separator: "\n").write(to: folder.appendingPathComponent("vocabulary.txt"), atomically: true, encoding: .utf8)
        try #"{"suppress_ids": [1, 2], "suppress_ids_begin": [0]}"#.write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        return folder
    }

    func testTinyModelShapesAndDeterminism() throws {
        let folder = try WhisperSmokeTests.tinyFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try WhisperModel.load(folder)
        XCTAssertEqual(model.config, .tiny)
        XCTAssertEqual(model.prompt, [62, 63])
        XCTAssertEqual(model.generation.suppressIDs, [1, 2])
        var rng = SeededRandom(seed: 9)
        let samples = (0..<16_000).map { _ in Float.random(in: -0.3...0.3, using: &rng) }
        let mel = try model.logMel(samples)
        XCTAssertEqual([mel.frames, mel.bins], [101, 80])
        let window = try Spectrogram(frames: 100, bins: 80, values: Array(mel.values.prefix(8000)))
        let out = try model.encode(window)
        XCTAssertEqual([out.positions, out.width], [50, 32])
        XCTAssertEqual(out.layers.count, 3)
        XCTAssertTrue(out.final.allSatisfy(\.isFinite))
        // The audio context is 50 positions here (1 s): 101 frames are one too many.
        XCTAssertThrowsError(try model.encode(mel)) { XCTAssertTrue("\($0)".contains("cut the audio into 30 s windows"), "\($0)") }
        let tokens = try model.greedy(try model.encode(window, keepLayers: false))
        XCTAssertEqual(tokens, try model.greedy(try model.encode(window, keepLayers: false)))
        XCTAssertLessThanOrEqual(tokens.count, WhisperModel.maxTokens(.tiny))
        XCTAssertFalse(tokens.contains(1) || tokens.contains(2), "suppressed ids were generated: \(tokens)")
        XCTAssertNotEqual(tokens.first, 0)
    }

    /// The name table lists every variable of the pretrained file but its scalars, and nothing else.
    func testNameTableCoversTinyEn() throws {
        let file = try CTranslate2File(url: try ModelStore.resolve("whisper-tiny.en").appendingPathComponent("model.bin"))
        let config = try WhisperConfig(file: file)
        XCTAssertEqual(config, WhisperConfig(melCount: 80, width: 384, encoderLayers: 4, encoderHeads: 6, decoderLayers: 4,
                                             decoderHeads: 6, audioContext: 1500, textContext: 448, vocabularySize: 51864))
        let stored = Set(file.variables.map(\.name)).subtracting(WhisperTensorTable.scalars)
        XCTAssertEqual(stored, Set(WhisperTensorTable.all(config)))
        XCTAssertEqual(Set(file.aliases.keys), ["decoder/projection/weight"])
    }
}
