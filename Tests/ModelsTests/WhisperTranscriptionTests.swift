import Audio
import Foundation
import XCTest
@testable import Models

/// Greedy transcription against CTranslate2's `generate` (the prompt and suppression faster-whisper
/// uses): token-identical on every fixture, for tiny.en and base.
final class WhisperTranscriptionTests: XCTestCase {
    func testTinyEnTokensMatchCTranslate2() throws { try compare("whisper-tiny.en") }
    func testBaseTokensMatchCTranslate2() throws { try compare("whisper-base") }

    private func compare(_ name: String) throws {
        let model = try WhisperGolden.model(name)
        let fixture = try WhisperGolden.fixture(name)
        XCTAssertEqual(model.prompt, fixture.prompt)
        for clip in fixture.clips {
            let transcript = try model.transcribe(samples: try WhisperGolden.samples(clip.name))
            XCTAssertEqual(transcript.tokens, [clip.tokens], "\(name) \(clip.name)")
            XCTAssertEqual(transcript.text, clip.transcript, "\(name) \(clip.name)")
            print("\(name) \(clip.name): \(transcript.text)")
            // On the audio's own frames some clips loop until the 224-token limit, as in CTranslate2.
            let short = try model.transcribe(samples: try WhisperGolden.samples(clip.name), window: .audio)
            XCTAssertEqual(short.tokens, [clip.realLength.tokens], "\(name) \(clip.name), real length")
        }
    }

    func testVocabularyDecodesBytesAndSkipsSpecialTokens() throws {
        let model = try WhisperGolden.model("whisper-tiny.en")
        let v = model.vocabulary
        XCTAssertEqual(v.endOfText, 50256)
        XCTAssertEqual(v.id(of: "<|notimestamps|>"), 50362)
        let ids = [50257, v.id(of: "ĠHello")!, v.id(of: ",")!, v.id(of: "Ġw")!, 50256]
        XCTAssertEqual(v.decode(ids), " Hello, w")
    }
}
