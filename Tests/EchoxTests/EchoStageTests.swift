import Foundation
import XCTest

/// The Echo stage through the real executable, on small S2T and T2C runs made in an empty home: the
/// echo losses fall, a SIGKILL is resumed exactly (pseudo-label cache included), the conventional
/// ablation trains, `ask` speaks the answer (streaming too), and wrong runs get clear errors.
final class EchoStageTests: XCTestCase {
    func metrics(_ url: URL, _ key: String) throws -> [Double] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            return try XCTUnwrap(object[key] as? Double, "\(key) in \($0)")
        }
    }

    func write(_ text: String, _ url: URL) throws { try text.write(to: url, atomically: true, encoding: .utf8) }

    func testTinyEchoLearnsItsOwnEchoResumesExactlyAndSpeaks() throws {
        let root = try temporaryDirectory(self)
        let home = root.appendingPathComponent("home")
        func echox(_ arguments: [String], input: String = "") throws -> EchoxRunner.Output {
            try EchoxRunner.run(arguments, input: input, home: home, directory: root)
        }
        // Small S2T and T2C runs over the same 8 questions, and a tiny units model of the target voice.
        try write(#"{"preset": "tiny", "question_limit": 8, "steps": 8}"#, root.appendingPathComponent("s2t.json"))
        let s2t = try echox(["train", "s2t", "--config", "s2t.json", "--run", "s2t-small"])
        XCTAssertEqual(s2t.status, 0, s2t.stderr + s2t.stdout)
        try ["The sky is blue today.", "Who wrote the first book?", "Paris is the capital of France.",
             "Justin Bieber has a younger brother.", "The answer is a small town in Canada."].joined(separator: "\n")
            .write(to: root.appendingPathComponent("sentences.txt"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try echox(["corpus", "synth", "sentences.txt", "--voices", "slt"]).status, 0)
        XCTAssertEqual(try echox(["units", "train", "sentences", "--preset", "tiny", "--out", home.appendingPathComponent("models/units-tiny").path]).status, 0)
        try write(#"{"preset": "tiny", "units": "units-tiny", "question_limit": 8, "steps": 30}"#, root.appendingPathComponent("t2c.json"))
        let t2c = try echox(["train", "t2c", "--config", "t2c.json", "--run", "t2c-small"])
        XCTAssertEqual(t2c.status, 0, t2c.stderr + t2c.stdout)

        // A missing S2T run names the command that trains it; an S2T run cannot speak.
        try write(#"{"preset": "tiny", "s2t": "nowhere", "t2c": "t2c-small"}"#, root.appendingPathComponent("missing.json"))
        let refused = try echox(["train", "echo", "--config", "missing.json", "--run", "refused"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("echox train s2t --preset tiny"), refused.stderr)

        try write(#"{"preset": "tiny", "s2t": "s2t-small", "t2c": "t2c-small", "batch": 2, "steps": 12, "refresh_every": 4, "warmup_steps": 2, "s2t_weight": 1}"#,
                  root.appendingPathComponent("echo.json"))
        let straight = try echox(["train", "echo", "--config", "echo.json", "--run", "straight"])
        XCTAssertEqual(straight.status, 0, straight.stderr + straight.stdout)
        XCTAssertTrue(straight.stdout.contains("echo targets from T2C, remade every 4 steps"), straight.stdout)
        let file = home.appendingPathComponent("runs/straight/metrics.jsonl")
        let echo = try metrics(file, "echo")
        XCTAssertEqual(echo.count, 12)
        XCTAssertLessThan(echo.suffix(3).reduce(0, +) / 3, echo.prefix(3).reduce(0, +) / 3 * 0.8, "the echo loss falls: \(echo)")
        for key in ["denoising", "cosine", "gap", "s2t", "ce", "ctc"] { XCTAssertEqual(try metrics(file, key).count, 12, key) }
        let cosine = try metrics(file, "cosine")
        XCTAssertGreaterThan(cosine.suffix(3).reduce(0, +), cosine.prefix(3).reduce(0, +), "Adapter(H) turns towards Emb(X'): \(cosine)")

        // SIGKILL mid-training, then the same command: the run ends exactly as the uninterrupted one.
        let killed = home.appendingPathComponent("runs/killed/metrics.jsonl")
        try runAndKill([], input: "set train.checkpoint_every 5\ntrain echo config=echo.json run=killed\n", home: home, directory: root, file: killed, lines: 7)
        XCTAssertLessThan(try metrics(killed, "echo").count, 12, "killed mid-run")
        let resumed = try echox(["train", "echo", "--run", "killed"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming run killed at step 5 of 12"), resumed.stdout)
        XCTAssertEqual(try String(contentsOf: killed, encoding: .utf8), try String(contentsOf: file, encoding: .utf8))
        XCTAssertEqual(try Data(contentsOf: home.appendingPathComponent("runs/killed/checkpoint.safetensors")),
                       try Data(contentsOf: home.appendingPathComponent("runs/straight/checkpoint.safetensors")))

        // The conventional ablation: the same decoder on annotated units; a kept echo run refuses the flag.
        let conventional = try echox(["train", "echo", "--config", "echo.json", "--conventional", "--steps", "4"])
        XCTAssertEqual(conventional.status, 0, conventional.stderr + conventional.stdout)
        XCTAssertTrue(conventional.stdout.contains("conventional: annotated units"), conventional.stdout)
        XCTAssertEqual(try metrics(home.appendingPathComponent("runs/conventional-tiny/metrics.jsonl"), "echo").count, 4)
        let mixed = try echox(["train", "echo", "--run", "straight", "--conventional"])
        XCTAssertEqual(mixed.status, 1)
        XCTAssertTrue(mixed.stderr.contains("made with other conventional settings"), mixed.stderr)

        // ask: a question in a voice no training used, answered in text and speech, streaming too.
        let said = try echox(["say", "voice=festival:ked_diphone", "who wrote the first book?"])
        let wav = try XCTUnwrap(said.stdout.split(separator: "\n").first { $0.hasPrefix("wav: ") }?.dropFirst(5).split(separator: " ").first)
        let answer = root.appendingPathComponent("answer.wav")
        let asked = try echox(["ask", "--run", "straight", "--audio", String(wav), "--out", answer.path, "--stream"])
        XCTAssertEqual(asked.status, 0, asked.stderr)
        XCTAssertTrue(asked.stdout.contains("speech 1 (segment 1, tokens 0–"), asked.stdout)
        // A segment comes out in chunks as its unit words are decoded: a short first one, then longer ones.
        if asked.stdout.contains("speech 2 (segment 1,") {
            XCTAssertNotNil(asked.stdout.range(of: #"speech 1 \(segment 1, tokens 0–[0-9]+\): 8 unit words"#, options: .regularExpression), asked.stdout)
        }
        XCTAssertTrue(asked.stdout.contains("spoken answer: \(answer.path)"), asked.stdout)
        XCTAssertGreaterThan(try Data(contentsOf: answer).count, 44 + 1_600, "a WAV with speech in it")
        let textOnly = try echox(["ask", "--run", "s2t-small", "--audio", String(wav), "--out", answer.path])
        XCTAssertEqual(textOnly.status, 1)
        XCTAssertTrue(textOnly.stderr.contains("answers in text only"), textOnly.stderr)

        // In the shell: load, step, the sample of the last step.
        let shell = try echox([], input: "load echo straight\nload echo config=echo.json run=stepped\nset lambda 0.25\nstep 1\nshow sample\nshow batch\nshow config\n")
        XCTAssertTrue(shell.stdout.contains("has finished") || shell.stdout.contains("loaded echo run straight"), shell.stdout + shell.stderr)
        XCTAssertTrue(shell.stdout.contains("loaded echo run stepped at step 0"), shell.stdout + shell.stderr)
        for field in ["its answer X'", "echo target Y'", "annotated units", "cosines"] { XCTAssertTrue(shell.stdout.contains(field), "\(field): \(shell.stdout)") }
        XCTAssertTrue(shell.stdout.contains("step 1, 2 items:") && shell.stdout.contains("unit words)"), "show batch lists the items: \(shell.stdout)")
        XCTAssertTrue(shell.stdout.contains("echo recipe (") && shell.stdout.contains("\"refresh_every\" : 4"), "show config shows the recipe: \(shell.stdout)")
        // `set lambda` weighs the denoising term from the next step; every parameter group has its gradient norm.
        let stepped = try XCTUnwrap(String(contentsOf: home.appendingPathComponent("runs/stepped/metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").first.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Double] })
        XCTAssertEqual(stepped["loss"]!, stepped["echo"]! + 0.25 * stepped["denoising"]! + stepped["s2t"]!, accuracy: 1e-3 * stepped["loss"]!)
        for group in ["grad.speech", "grad.llm", "grad.echo.adapter", "grad.echo.decoder"] { XCTAssertNotNil(stepped[group], "\(group) in \(stepped)") }

        // Other questions for a run that has not stepped, spoken by the S2T run's voices; a group's own rate.
        try "Where is Paris?\nWho is Justin Bieber?\n".write(to: root.appendingPathComponent("questions.txt"), atomically: true, encoding: .utf8)
        let data = try echox([], input: "load echo config=echo.json run=requestioned\ndata questions.txt limit=1\nset lr.echo.adapter 0.002\nstep 1\nshow params\n")
        let dataScreen = data.stdout + data.stderr
        XCTAssertTrue(dataScreen.contains("echo questions: 1 from"), dataScreen)
        XCTAssertNotNil(dataScreen.range(of: #"echo data: data [1-9][0-9]* spoken questions"#, options: .regularExpression), dataScreen)
        XCTAssertTrue(dataScreen.contains("echo.adapter peak lr 0.002"), dataScreen)
        XCTAssertTrue(try String(contentsOf: home.appendingPathComponent("runs/requestioned/echo.json"), encoding: .utf8).contains("questions.txt"))

        try workbenchThroughAPseudoTerminal(root: root, home: home)
        try badArgumentsAreAnsweredAndTheSessionGoesOn(root: root, home: home)
    }

    /// The workbench's EchoX commands as a person types them, through a pseudo-terminal: load a tiny
    /// Echo run, step, gap, target, pairs, Ctrl-C during train, and the REPL still answers.
    func workbenchThroughAPseudoTerminal(root: URL, home: URL) throws {
        let report = try PseudoTerminalDriver.run(Self.script, home: home, directory: root)
        let screen = report["screen"] as? String ?? ""
        XCTAssertEqual(report["ok"] as? Bool, true, "driver stopped while waiting for \(report["waiting_for"] ?? "?"):\n\(screen)")
        for key in ["step_terms", "gap_table", "gap_plot", "target", "pairs", "stopped", "usable_after"] {
            XCTAssertEqual(report[key] as? Bool, true, "\(key):\n\(screen)")
        }
        let plot = home.appendingPathComponent("runs/pty/plots/gap-sample0.png")
        XCTAssertGreaterThan((try? Data(contentsOf: plot))?.count ?? 0, 1_000, "the gap plot is a PNG")
        let gp = try String(contentsOf: home.appendingPathComponent("runs/pty/plots/gap-sample0.gp"), encoding: .utf8)
        for part in ["set title", "set xlabel", "set ylabel", "cos(H, Emb(X'))", "cos(Adapter(H), Emb(X'))", "set key"] {
            XCTAssertTrue(gp.contains(part), "the gap plot has \(part): \(gp)")
        }
    }

    /// Wrong words, missing runs, the wrong stage and a missing device get a clear message, and the session goes on.
    func badArgumentsAreAnsweredAndTheSessionGoesOn(root: URL, home: URL) throws {
        let lines = ["gap", "target", "pairs Hi High", "play target",          // no Echo run loaded
                     "load t2c t2c-small", "gap", "target 0",                  // the wrong stage
                     "load echo straight", "gap 9999", "gap layer=999", "gap compare straight", "gap history nowhere",
                     "target 1 2", "pairs Hi", "play pair Hi", "play output 9999", "load echo nowhere",
                     "play target 0", "show state"]
        let out = try EchoxRunner.run([], input: lines.joined(separator: "\n") + "\n", home: home, directory: root)
        let text = out.stdout + out.stderr
        for expected in ["gap looks into an Echo run, and none is loaded: `load echo RUN`",
                         "target needs an Echo run, but the loaded job is t2c",
                         "'9999' is no sample: give 0…", "layer 999 is not in the LLM's 0…30",
                         "gap compare takes two runs", "no run with metrics at", "usage: target [SAMPLE]",
                         "pairs needs at least two words", "usage: play pair WORD WORD", "no ECHO run at",
                         "no audio device here", "job"] {
            XCTAssertTrue(text.contains(expected), "\(expected):\n\(text)")
        }
    }

    /// After the driver's prelude.
    static let script = #"""
def enter(line, pattern, timeout=240):
    expect(r"echox> $", timeout)
    mark = len(text())
    os.write(fd, (line + "\r").encode())
    return expect(pattern, timeout, start=mark)
results = {}
enter("load echo config=echo.json run=pty steps=1000", r"loaded echo run pty at step 0")
enter("step", r"echo [0-9.]+.*denoising [0-9.]+")
results["step_terms"] = True
enter("gap", r"plot: .*gap-sample0\.png")
results["gap_plot"] = True
results["gap_table"] = re.search(r"mean +-?[0-9.]+ +-?[0-9.]+", text()) is not None
enter("target", r"where they differ: ")
results["target"] = True
enter("pairs Hi Hello High", r"Hello – High +-?[0-9.]+ +[0-9.]+")
results["pairs"] = True
expect(r"echox> $")
mark = len(text())
os.write(fd, b"train for 1000\r")
expect(r"(train|echo) +\d+/1000 +step (\d+)", timeout=240, start=mark)
time.sleep(0.5)
os.write(fd, b"\x03")
expect(r"interrupted: stopped at a step boundary after step (\d+)", timeout=240, start=mark)
results["stopped"] = True
enter("show losses", r"echo")
results["usable_after"] = True
expect(r"echox> $")
os.write(fd, b"quit\r")
time.sleep(1)
os.waitpid(pid, 0)
results["ok"] = True
results["screen"] = text()[-4000:]
print(json.dumps(results))
"""#
}
