import Foundation
import XCTest
@testable import Workbench

/// The language-model commands drive the real trainer from the shell.
final class LanguageModelCommandTests: XCTestCase {
    func makeWorkbench() throws -> (WorkbenchSession, URL) {
        let root = try temporaryDirectory(self)
        let home = root.appendingPathComponent("home", isDirectory: true)
        let work = root.appendingPathComponent("work", isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let state = WorkbenchState(home: home, workingDirectory: work)
        return (WorkbenchSession(state: state, output: CapturingSink(), registry: .workbench()), work)
    }

    func testTinyModelTrainsFromTheShell() throws {
        let (session, work) = try makeWorkbench()
        let text = String(repeating: "the echo of the answer is the speech the model makes from its own words. ", count: 40)
        try text.write(to: work.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
        XCTAssertNil(session.execute("load lm tiny").error)
        XCTAssertNil(session.execute("set lr 0.003").error)
        XCTAssertNil(session.execute("data text.txt").error)
        let first = session.execute("step")
        XCTAssertNil(first.error)
        XCTAssertNil(session.execute("train for 40").error)
        let job = try XCTUnwrap(session.state.job as? GradientTrainer)
        XCTAssertEqual(job.completedSteps, 41)
        let losses = try MetricsLog.read(XCTUnwrap(session.state.run).metricsURL).compactMap { $0.values["loss"] }
        XCTAssertEqual(losses.count, 41)
        XCTAssertLessThan(losses.last!, losses.first! - 1.5, "loss \(losses.first!) → \(losses.last!)")
    }

    func testClearErrorsBeforeAModelOrWithBadData() throws {
        let (session, work) = try makeWorkbench()
        XCTAssertTrue(session.execute("data missing.txt").error?.contains("load lm tiny") ?? false)
        XCTAssertNil(session.execute("load lm tiny").error)
        XCTAssertTrue(session.execute("data missing.txt").error?.contains("no such file") ?? false)
        try "short".write(to: work.appendingPathComponent("short.txt"), atomically: true, encoding: .utf8)
        XCTAssertTrue(session.execute("data short.txt").error?.contains("longer text") ?? false)
        XCTAssertTrue(session.execute("load lm huge").error?.contains("smollm2") ?? false)
        XCTAssertTrue(session.execute("load lm").error?.contains("usage") ?? false)
        // A batch that cannot fit in memory is refused before anything is allocated, and the session goes on.
        let text = String(repeating: "a long enough text to train on. ", count: 40)
        try text.write(to: work.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
        XCTAssertNil(session.execute("set batch 1000000").error)
        XCTAssertTrue(session.execute("data text.txt").error?.contains("lower `set batch`") ?? false)
        XCTAssertNil(session.state.job)
        XCTAssertNil(session.execute("help").error, "the session goes on after errors")
    }
}

/// Chat with the pretrained model from the shell (the test command fetches SmolLM2 first).
final class ChatCommandTests: XCTestCase {
    func testChatAnswersAndKeepsTheConversation() throws {
        let root = try temporaryDirectory(self)
        let sink = CapturingSink()
        let session = WorkbenchSession(state: WorkbenchState(workingDirectory: root), output: sink, registry: .workbench())
        let loaded = session.execute("load lm smollm2")
        XCTAssertNil(loaded.error, "\(loaded.error ?? "") — run `echox model fetch smollm2`")
        _ = sink.take()
        XCTAssertNil(session.execute("chat What is the capital of France?").error)
        XCTAssertTrue(sink.take().contains("Paris"))
        XCTAssertNil(session.execute("set chat.max_tokens 16").error)
        XCTAssertNil(session.execute("chat And of Italy?").error)
        XCTAssertTrue(sink.take().contains("Rome"), "the second turn sees the first")
        XCTAssertTrue(session.execute("chat").error?.contains("usage") ?? false)
    }
}
