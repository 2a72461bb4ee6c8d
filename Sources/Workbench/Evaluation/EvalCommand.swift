import Audio
import Evaluation
import Formats
import Foundation
import Models

/// `eval qa …` and `eval compare …`: spoken-QA evaluation of the text LLM, the cascade and a run's
/// speech model, and several evaluations side by side.
public final class EvalCommand: WorkbenchCommand {
    public let name = "eval"
    public let usage = "eval qa set=FILE.jsonl mode=t2t|cascade|s2t|s2s [run=DIR] [limit=N] [voice=V] [recogniser=whisper|pocketsphinx] [out=DIR] [model=smollm2|PATH.gguf] [whisper=whisper-tiny.en|whisper-base|PATH] [batch=N] [max_tokens=N] | eval compare DIR DIR… [out=DIR]"
    public let summary = "spoken-QA accuracy (answer-exists match) of the text LLM, the cascade or a run's speech model; compare evaluations"
    public var help: String {
        """
        eval qa set=FILE.jsonl mode=t2t|cascade|s2t|s2s [options]
            Answers the questions of a JSONL set ({"id", "question", "answers": [...]} a line, with an optional
            "audio": PATH recording of the question) and scores each answer with the answer-exists match of
            UltraEval-Audio (qa-exist-match). Modes:
              t2t      the text LLM (model=, default smollm2) answers the question text: its chat template with the
                       default system prompt, greedy, max_tokens=48 new tokens, batch=16 questions decoded together
              cascade  Whisper (whisper=, default whisper-tiny.en) transcribes the spoken question, the LLM answers
              s2t/s2s  the run's speech model (run=DIR) answers in text / in speech; s2s transcribes the spoken
                       answer with recogniser= (whisper, the default, or pocketsphinx) and scores the transcript
            Questions without a recording are spoken by voice= (default festival:ked_diphone, a voice nothing
            here is trained on; also flite:NAME, espeak:NAME). limit=N takes the first N questions.
            Results go to out= (default $ECHOX_HOME/evals/<set>-<N|all>, or <run>/evals/… with run=): one
            <mode>.jsonl line per question (written as each is answered), summary.json, report.md (accuracy per
            mode, retention over t2t, counts, time) and accuracy.png. Ctrl-C or a kill keeps what is done; the same
            command goes on from there. Modes of one set share a folder, so the table shows them side by side.
        eval compare DIR DIR… [out=DIR]
            Puts evaluation folders (paths, or names in $ECHOX_HOME/evals) side by side: a table and a chart,
            written to out= (default $ECHOX_HOME/evals/compare).
        """
    }
    public let arguments = [ArgumentSpec("qa|compare", completion: .words(["qa", "compare"])), ArgumentSpec("options", completion: .filePath, variadic: true)]
    public let qaOptions = ["set", "mode", "run", "limit", "voice", "recogniser", "out", "model", "whisper", "batch", "max_tokens", "scorer"]
        .map { OptionSpec($0) }
    private var whisper: (path: String, model: WhisperModel)?

    public init() {}

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        if index == 0 { return .words(["qa", "compare"]) }
        if previous.first == "qa" {
            return .words(["set=", "mode=t2t", "mode=cascade", "mode=s2t", "mode=s2s", "limit=", "voice=", "recogniser=whisper",
                           "recogniser=pocketsphinx", "out=", "run=", "model=", "whisper=", "batch=", "max_tokens="])
        }
        return .filePath
    }

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        switch words.first {
        case "qa": return try qa(Array(words.dropFirst()), in: context)
        case "compare": return try compare(Array(words.dropFirst()), in: context)
        default: throw WorkbenchError.usage(usage)
        }
    }

    // MARK: - eval qa

    private func qa(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let usage = "eval qa set=FILE.jsonl mode=t2t|cascade|s2t|s2s [run=DIR] [limit=N] [voice=V] [recogniser=whisper|pocketsphinx] [out=DIR] [model=…] [whisper=…] [batch=N] [max_tokens=N]"
        let parsed = try CommandOptions(words, specs: qaOptions, usage: usage)
        guard parsed.positional.isEmpty else {
            throw WorkbenchError.invalidArgument("eval qa takes only options, not '\(parsed.positional.joined(separator: " "))'; usage: \(usage)")
        }
        guard let setWord = parsed["set"] else { throw WorkbenchError.invalidArgument("eval qa needs set=FILE.jsonl; usage: \(usage)") }
        guard let mode = QAMode(rawValue: parsed["mode"] ?? "") else {
            throw WorkbenchError.invalidArgument("eval qa needs mode=t2t, cascade, s2t or s2s\(parsed["mode"].map { ", not '\($0)'" } ?? ""); usage: \(usage)")
        }
        let set = try AudioPaths.existingFile(AudioPaths.url(setWord, in: context))
        let limit = try parsed.int("limit", in: 1...10_000_000)
        let run = try parsed["run"].map { try runFolder($0, in: context) }
        let folder = parsed["out"].map { AudioPaths.url($0, in: context) } ?? EvalCommand.defaultFolder(set: set, limit: limit, run: run, home: context.state.home)
        let voice = try library { try SpeechVoice(parsing: parsed["voice"] ?? SpeechVoice.heldOut.description) }
        let recogniserName = parsed["recogniser"] ?? "whisper"
        guard ["whisper", "pocketsphinx"].contains(recogniserName) else {
            throw WorkbenchError.invalidArgument("recogniser= is whisper or pocketsphinx, not '\(recogniserName)'")
        }
        let evaluation = QAEvaluation(mode: mode, set: set, limit: limit, folder: folder)
        evaluation.voice = voice
        // The speech model first: s2t and s2s say what to train before anything heavy loads.
        if mode == .s2t || mode == .s2s {
            evaluation.spokenAnswerer = try library { try SpokenAnswerers.load(run: run, mode: mode) }
        }
        if mode == .t2t || mode == .cascade {
            let batch = try parsed.int("batch", in: 1...256) ?? 16
            let maxTokens = try parsed.int("max_tokens", in: 1...4096) ?? 48
            let (generator, name) = try languageModel(parsed["model"] ?? "smollm2", in: context)
            evaluation.textAnswerer = try library { try TextAnswerer(generator: generator, name: name, maxTokens: maxTokens, batch: batch) }
        }
        if mode == .cascade || mode == .s2s {
            if recogniserName == "whisper" {
                evaluation.recogniser = WhisperRecogniser(model: try whisperModel(parsed["whisper"] ?? "whisper-tiny.en", in: context))
            } else {
                let scorer = AudioPaths.url(parsed["scorer"] ?? "plugins/asr-score/asr_score.py", in: context)
                evaluation.recogniser = try library { try PocketsphinxRecogniser(scorer: scorer) }
            }
        }
        context.print("eval \(mode.rawValue): \(set.lastPathComponent)\(limit.map { ", first \($0)" } ?? "") → \(folder.path)")
        var progress: Progress?
        let outcome = try library {
            try evaluation.run(progress: { p in
                if progress == nil {
                    // The first report comes before any question: the clock starts with the work.
                    let resumed = p.answered > 0 ? " (\(p.answered) answered before)" : ""
                    progress = Progress("eval \(mode.rawValue)\(resumed)", total: p.pending, sink: context.output, interval: 0.5, unit: "questions")
                    return
                }
                progress?.update(done: p.done, metrics: [("accuracy", (Double(p.correct) / Double(max(p.answered, 1)) * 1000).rounded() / 1000)])
            }, shouldStop: { context.isCancelled })
        }
        progress?.finish()
        let summary = try library { try QAReport.summary(folder: folder) }
        var artifacts = [Artifact(.data, QAReport.tableURL(folder), title: "report.md"), Artifact(.data, QAReport.summaryURL(folder), title: "summary.json")]
        if let chart = try? EvalChart.accuracy(summary, to: folder.appendingPathComponent("accuracy.png")) {
            artifacts.append(Artifact(.image, chart, title: "accuracy"))
        }
        let rate = summary.mode(mode).map { String(format: "%.2f questions/s", $0.questionsPerSecond) + " over " + QAReport.duration($0.seconds) } ?? ""
        context.print("\(mode.rawValue): accuracy " + String(format: "%.1f%%", 100 * outcome.accuracy)
                      + " (\(outcome.correct) right of \(outcome.answered) answered, \(outcome.total) in the set), \(rate)")
        if mode != .t2t, let kept = summary.retention["\(mode.rawValue)/t2t"] { context.print("retention \(mode.rawValue)/t2t: " + String(format: "%.3f", kept)) }
        if !outcome.complete {
            context.print("stopped with \(outcome.total - outcome.answered) questions to go; the same command goes on from there")
        }
        context.print("report: \(QAReport.tableURL(folder).path)")
        return CommandResult(artifacts: artifacts, wasInterrupted: !outcome.complete && context.isCancelled)
    }

    /// `$ECHOX_HOME/evals/<set>-<N|all>`, or the same under the run's folder.
    static func defaultFolder(set: URL, limit: Int?, run: URL?, home: URL) -> URL {
        let name = set.deletingPathExtension().lastPathComponent + "-" + (limit.map(String.init) ?? "all")
        return (run ?? home).appendingPathComponent("evals/\(name)", isDirectory: true)
    }

    /// A run's folder: a path, or a name in $ECHOX_HOME/runs.
    private func runFolder(_ word: String, in context: CommandContext) throws -> URL {
        let named = context.state.runsRoot.appendingPathComponent(word, isDirectory: true)
        if !word.contains("/"), FileManager.default.fileExists(atPath: named.path) { return named }
        return AudioPaths.url(word, in: context)
    }

    /// The chat model named or found at `word`: the session's when it is the one loaded, else loaded here.
    private func languageModel(_ word: String, in context: CommandContext) throws -> (LlamaGenerator, String) {
        let url = try library { try ModelStore.resolve(word) }
        if let lm = context.state.models["lm"]?.object as? SessionLanguageModel, lm.source == url.path, let chat = lm.chat {
            return (chat.generator, url.lastPathComponent)
        }
        // The engine is only the source of the weights: its own cache is not used.
        return (try library { try LlamaGenerator(url: url, capacity: 16) }, url.lastPathComponent)
    }

    /// The Whisper model named or found at `word`, loaded once.
    private func whisperModel(_ word: String, in context: CommandContext) throws -> WhisperModel {
        let folder: URL
        if ModelStore.known.contains(where: { $0.name == word }) {
            folder = try library { try ModelStore.resolve(word) }
        } else {
            folder = AudioPaths.url(word, in: context)
        }
        if let whisper, whisper.path == folder.path { return whisper.model }
        let model = try library { try WhisperModel.load(folder) }
        whisper = (folder.path, model)
        return model
    }

    // MARK: - eval compare

    private func compare(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let usage = "eval compare DIR DIR… [out=DIR]"
        let parsed = try CommandOptions(words, specs: [OptionSpec("out")], usage: usage)
        guard !parsed.positional.isEmpty else { throw WorkbenchError.usage(usage) }
        let evals = context.state.home.appendingPathComponent("evals", isDirectory: true)
        let folders = parsed.positional.map { word -> URL in
            let named = evals.appendingPathComponent(word, isDirectory: true)
            return !word.contains("/") && FileManager.default.fileExists(atPath: named.path) ? named : AudioPaths.url(word, in: context)
        }
        let summaries = try folders.map { folder in try library { try QAReport.summary(folder: folder) } }
        // Names: the folders' own, with their parents' when two are alike.
        var names = folders.map(\.lastPathComponent)
        if Set(names).count < names.count {
            names = folders.map { $0.deletingLastPathComponent().lastPathComponent + "/" + $0.lastPathComponent }
        }
        let runs = Array(zip(names, summaries)).map { (name: $0.0, summary: $0.1) }
        let table = QAReport.comparison(runs)
        let out = parsed["out"].map { AudioPaths.url($0, in: context) } ?? evals.appendingPathComponent("compare", isDirectory: true)
        try library { try AtomicFile.write(Data(table.utf8), to: out.appendingPathComponent("compare.md")) }
        context.output.write(table)
        var artifacts = [Artifact(.data, out.appendingPathComponent("compare.md"), title: "compare.md")]
        let chart = try EvalChart.comparison(runs, to: out.appendingPathComponent("compare.png"))
        artifacts.append(Artifact(.image, chart, title: "comparison"))
        context.print("table: \(out.appendingPathComponent("compare.md").path)\nchart: \(chart.path)")
        return CommandResult(artifacts: artifacts)
    }
}
