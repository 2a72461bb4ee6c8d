import Audio
import Tensor
import XCTest

/// Speech synthesis with flite and espeak-ng (both installed on the build machine).
final class SynthesisTests: XCTestCase {
    func testVoiceParsing() throws {
        XCTAssertEqual(try SpeechVoice(parsing: "slt"), SpeechVoice(engine: .flite, name: "slt"))
        XCTAssertEqual(try SpeechVoice(parsing: "espeak:en-us+f3").description, "espeak:en-us+f3")
        XCTAssertEqual(try SpeechVoice.list("kal, espeak:en+m1").count, 2)
        XCTAssertThrowsError(try SpeechVoice(parsing: "zork:kal"))
        XCTAssertThrowsError(try SpeechVoice(parsing: "flite:sl t;rm"))
        XCTAssertEqual(SpeechVoice(engine: .espeak, name: "en-us+f3").fileTag, "espeak-en-us-f3")
    }

    func testFliteAndEspeakRenderAt16kHz() throws {
        let synthesizer = SpeechSynthesizer()
        var rng = SeededRandom(seed: 1)
        let flite = try synthesizer.render("Paris is the capital of France.", voice: .target, rng: &rng)
        let espeak = try synthesizer.render("Paris is the capital of France.", voice: SpeechVoice(engine: .espeak, name: "en-us+f3"), rng: &rng)
        for clip in [flite, espeak] {
            XCTAssertEqual(clip.sampleRate, 16_000)
            XCTAssertGreaterThan(clip.duration, 1.0)
            XCTAssertLessThan(clip.duration, 5.0)
            let energy = clip.samples.reduce(0) { $0 + $1 * $1 } / Float(clip.samples.count)
            XCTAssertGreaterThan(energy, 1e-4, "the clip is silent")
        }
    }

    func testJitterChangesEspeakSpeed() throws {
        var synthesizer = SpeechSynthesizer()
        synthesizer.jitter = ProsodyJitter(speed: 120...120, pitch: 50...50)
        var rng = SeededRandom(seed: 0)
        let voice = SpeechVoice(engine: .espeak, name: "en-us")
        let slow = try synthesizer.render("one two three four five", voice: voice, rng: &rng)
        synthesizer.jitter = ProsodyJitter(speed: 240...240, pitch: 50...50)
        let fast = try synthesizer.render("one two three four five", voice: voice, rng: &rng)
        XCTAssertLessThan(fast.duration, slow.duration * 0.8)
    }

    func testMissingVoiceOrProgramIsAClearError() throws {
        var synthesizer = SpeechSynthesizer()
        XCTAssertThrowsError(try synthesizer.check([SpeechVoice(engine: .flite, name: "nosuchvoice")])) { error in
            XCTAssertTrue("\(error)".contains("flite -lv"), "\(error)")
        }
        XCTAssertThrowsError(try synthesizer.check([SpeechVoice(engine: .espeak, name: "xx-zz")])) { error in
            XCTAssertTrue("\(error)".contains("espeak-ng has no voice"), "\(error)")
        }
        synthesizer.searchPath = "/nonexistent"
        var rng = SeededRandom(seed: 0)
        XCTAssertThrowsError(try synthesizer.render("hello", voice: .target, rng: &rng)) { error in
            XCTAssertEqual(error as? SynthesisError, .missingProgram("flite"))
            XCTAssertTrue("\(error)".contains("apt-get install flite"), "\(error)")
        }
        XCTAssertThrowsError(try synthesizer.check([SpeechVoice(engine: .espeak, name: "en-us")])) { error in
            XCTAssertTrue("\(error)".contains("apt-get install espeak-ng"), "\(error)")
        }
    }
}
