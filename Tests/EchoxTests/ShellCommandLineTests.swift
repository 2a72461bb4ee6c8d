import Foundation
import XCTest

/// The command line runs the shell's commands: same options (`--name value`), same defaults, errors on
/// stderr with exit status 1.
final class ShellCommandLineTests: XCTestCase {
    /// A home whose model cache holds the SmolLM2 file that `.ci/test` fetched.
    func homeWithSmolLM2() throws -> URL {
        let home = try temporaryDirectory(self)
        let base = ProcessInfo.processInfo.environment["ECHOX_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".echox")
        let model = base.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
        guard FileManager.default.fileExists(atPath: model.path) else {
            throw XCTSkip("no SmolLM2 at \(model.path): run `echox model fetch smollm2`")
        }
        try FileManager.default.createDirectory(at: home.appendingPathComponent("models"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: home.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf"), withDestinationURL: model)
        return home
    }

    func testChatModelAndErrorsOnTheCommandLine() throws {
        let home = try homeWithSmolLM2()
        let once = try EchoxRunner.run(["chat", "--greedy", "--max-tokens", "24", "What is the capital of France?"], home: home)
        XCTAssertEqual(once.status, 0, once.stderr)
        XCTAssertTrue(once.stdout.contains("Paris"), once.stdout)
        // Without a prompt: one message a line, /clear starts over.
        let lines = try EchoxRunner.run(["chat", "--max-tokens", "24"], input: "Hello!\n/clear\nWhat is the capital of France?\n", home: home)
        XCTAssertEqual(lines.status, 0, lines.stderr)
        XCTAssertTrue(lines.stdout.contains("conversation cleared"), lines.stdout)
        XCTAssertTrue(lines.stdout.contains("Paris"), lines.stdout)
        let bad = try EchoxRunner.run(["chat", "--top-k", "many", "Hi"], home: home)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("error: top_k takes a whole number"), bad.stderr)
        let unknown = try EchoxRunner.run(["chat", "--colour", "red", "Hi"], home: home)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("unknown option '--colour'"), unknown.stderr)
        let list = try EchoxRunner.run(["model", "list"], home: home)
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains("smollm2\tfetched"), list.stdout)
        XCTAssertEqual(try EchoxRunner.run(["model", "fetch", "nothing"], home: home).status, 1)
    }

    /// `train --resume` of a run that does not exist, and a train with no job, are clear errors.
    func testTrainErrorsOnTheCommandLine() throws {
        let home = try temporaryDirectory(self)
        let missing = try EchoxRunner.run(["train", "--resume", "nothing", "for", "3"], home: home)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no run named 'nothing'"), missing.stderr)
        let noJob = try EchoxRunner.run(["train", "for", "3"], home: home)
        XCTAssertEqual(noJob.status, 1)
        XCTAssertTrue(noJob.stderr.contains("no training job is loaded"), noJob.stderr)
    }
}
