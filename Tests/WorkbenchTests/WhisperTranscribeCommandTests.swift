import Audio
import Foundation
import XCTest
@testable import Workbench

/// `transcribe` in the shell: the current sample, several files, and errors that say what to do.
final class WhisperTranscribeCommandTests: XCTestCase {
    func testTranscribesTheCurrentSampleAndFiles() throws {
        let root = try temporaryDirectory(self)
        let session = WorkbenchSession(state: WorkbenchState(home: root, workingDirectory: root), output: CapturingSink(), registry: .workbench())
        let said = session.execute("say voice=slt Good morning, how are you?")
        XCTAssertNil(said.error, said.output)
        let heard = session.execute("transcribe")
        XCTAssertNil(heard.error, heard.output)
        XCTAssertTrue(heard.output.lowercased().contains("good morning"), heard.output)

        let wav = session.state.currentSample!
        try FileManager.default.copyItem(atPath: wav, toPath: root.appendingPathComponent("copy.wav").path)
        let two = session.execute("transcribe model=whisper-tiny.en \(wav) copy.wav")
        XCTAssertNil(two.error, two.output)
        XCTAssertTrue(two.output.contains("copy.wav: "), two.output)
        XCTAssertEqual(two.output.lowercased().components(separatedBy: "good morning").count, 3, two.output)
    }

    func testBadInputSaysWhatToDo() throws {
        let root = try temporaryDirectory(self)
        let session = WorkbenchSession(state: WorkbenchState(home: root, workingDirectory: root), output: CapturingSink(), registry: .workbench())
        XCTAssertTrue(session.execute("transcribe").error?.contains("no current sample") ?? false)
        XCTAssertTrue(session.execute("transcribe missing.wav").error?.contains("no such file") ?? false)
        // A WAV header with no samples (16 kHz, 16-bit mono, data size 0).
        var header = Data("RIFF".utf8) + le(36, 4) + Data("WAVEfmt ".utf8) + le(16, 4) + le(1, 2) + le(1, 2)
        header += le(16_000, 4) + le(32_000, 4) + le(2, 2) + le(16, 2) + Data("data".utf8) + le(0, 4)
        try header.write(to: root.appendingPathComponent("empty.wav"))
        let empty = session.execute("transcribe empty.wav")
        XCTAssertTrue(empty.error?.contains("empty") ?? false, "\(empty.error ?? empty.output)")
        let model = session.execute("transcribe model=nowhere empty.wav")
        XCTAssertTrue(model.error?.contains("model fetch whisper-tiny.en") ?? false, "\(model.error ?? model.output)")
        XCTAssertTrue(session.execute("transcribe speed=2 empty.wav").error?.contains("unknown option 'speed='") ?? false)
    }
}

/// `value` as `bytes` little-endian bytes.
private func le(_ value: Int, _ bytes: Int) -> Data { Data((0..<bytes).map { UInt8((value >> (8 * $0)) & 0xFF) }) }
