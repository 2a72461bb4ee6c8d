import Audio
import Foundation
import Formats
@testable import Models

/// Golden values written by WhisperFixtures/make_whisper_fixtures.py (CTranslate2 and faster-whisper),
/// and the models they were made with, loaded once per test run.
enum WhisperGolden {
    struct Stats: Decodable { let mean, std, min, max, absSum: Double }
    struct Mel: Decodable { let frames: Int; let mean, std, min, max: Double; let rows: [String: [Float]] }
    struct Encoder: Decodable { let shape: [Int]; let mean, std, min, max, absSum: Double; let rows: [String: [Float]] }
    struct RealLength: Decodable { let encoder: Encoder; let tokens: [Int] }
    struct Clip: Decodable {
        let name: String, samples: Int, text: String
        let logMel: Mel, encoder: Encoder
        let tokens: [Int], transcript: String
        let realLength: RealLength
    }
    struct Fixture: Decodable { let model: String; let prompt: [Int]; let clips: [Clip] }

    static let folder = Bundle.module.url(forResource: "WhisperFixtures", withExtension: nil)!

    static func fixture(_ model: String) throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: folder.appendingPathComponent("\(model).json")))
    }

    /// The 16 kHz samples of a fixture WAV.
    static func samples(_ clip: String) throws -> [Float] {
        let audio = try AudioFile.read(folder.appendingPathComponent("\(clip).wav"))
        precondition(audio.sampleRate == 16_000)
        return audio.samples
    }

    nonisolated(unsafe) private static var models: [String: Result<WhisperModel, Error>] = [:]
    private static let lock = NSLock()

    /// The fetched model (once per run), or an error saying how to fetch it.
    static func model(_ name: String) throws -> WhisperModel {
        lock.lock(); defer { lock.unlock() }
        if let m = models[name] { return try m.get() }
        let result = Result { try WhisperModel.load(try ModelStore.resolve(name)) }
        models[name] = result
        return try result.get()
    }
}

/// Largest absolute difference, and largest difference relative to the reference's largest magnitude.
func differences(_ a: [Float], _ b: [Float]) -> (absolute: Float, relative: Float) {
    precondition(a.count == b.count)
    var worst: Float = 0, scale: Float = 0
    for i in 0..<a.count { worst = max(worst, abs(a[i] - b[i])); scale = max(scale, abs(b[i])) }
    return (worst, scale > 0 ? worst / scale : worst)
}
