import Audio
import Evaluation
import Foundation
import Training

/// `ask run=DIR audio=Q.wav` or `ask run=DIR <text…>`: a trained run answers one question, streaming.
public final class AskCommand: WorkbenchCommand {
    public let name = "ask"
    public let usage = "ask run=DIR (audio=Q.wav | text=Q | <text…>) [max_tokens=N]"
    public let summary = "a trained S2T run answers a spoken (or typed) question, the text streaming as it comes"
    public let help = """
        ask run=DIR audio=Q.wav      the run hears the recording (any rate the audio reader takes, up to 30 s)
        ask run=DIR text=Q           the run reads the question (the same LLM and LoRA, text in place of speech)
        run= is a name under $ECHOX_HOME/runs or a path; the answer is greedy, at most max_tokens tokens
        (default: the run's answer length). The last line gives the time from the end of the audio to
        the first answer token.
        """
    public let options = [OptionSpec("run", help: "the S2T run that answers"), OptionSpec("audio", help: "the spoken question"),
                          OptionSpec("text", help: "a typed question"), OptionSpec("max_tokens", help: "answer length in tokens")]
    public let arguments = [ArgumentSpec("text", variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let parsed = try CommandOptions(words, specs: options, usage: usage)
        let text = parsed["text"] ?? (parsed.positional.isEmpty ? nil : parsed.positional.joined(separator: " "))
        guard let runWord = parsed["run"] else { throw WorkbenchError.invalidArgument("ask needs run=DIR, a run trained by `train s2t`; usage: \(usage)") }
        guard (parsed["audio"] == nil) != (text == nil) else {
            throw WorkbenchError.invalidArgument("ask takes a spoken question (audio=Q.wav) or a typed one (text=Q), one of them; usage: \(usage)")
        }
        let maxTokens = try parsed.int("max_tokens", in: 1...2048)
        // Read and check the recording before a model is loaded.
        var clip: AudioClip?
        if let audio = parsed["audio"] {
            let url = URL(fileURLWithPath: audio, relativeTo: context.state.workingDirectory).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.path) else { throw WorkbenchError.missingFile(url.path) }
            let read = try library { try AudioFile.read(url) }
            try library { try S2TAnswerer.check(read, source: url.lastPathComponent) }
            clip = read
        }
        let answerer = try answerer(runWord, maxTokens: maxTokens, context: context)
        let clock = ContinuousClock()
        let start = clock.now
        var first: Duration?
        let result = try library {
            let stream: (String) -> Bool = { piece in
                if first == nil { first = clock.now - start }
                context.output.write(piece)
                return !context.isCancelled
            }
            if let clip { return try answerer.answer(clip, onText: stream) }
            return try answerer.answer(text: text!, onText: stream)
        }
        context.output.write("\n")
        context.state.lastOutputs["text"] = result.text
        let total = (clock.now - start).inSeconds
        let firstSeconds = first?.inSeconds ?? total
        let parts = answerer.lastTimings.map { String(format: "%@ %.3f", $0.0, $0.1) }.joined(separator: ", ")
        context.print(String(format: "(%d tokens; first token %.3f s after the %@ [%@ s], all in %.2f s)", result.tokens.count, firstSeconds,
                             clip == nil ? "question" : "end of the audio", parts, total))
        if clip != nil, let heard = answerer.lastHeard {
            context.print("heard (CTC): \"\(heard.transcript)\" — \(heard.kept) of \(heard.frames) adapter frames kept for the LLM")
        }
        return CommandResult(wasInterrupted: result.stoppedBy == .callback)
    }

    /// The run's answerer, kept in the session while the run's checkpoint is the same.
    private func answerer(_ runWord: String, maxTokens: Int?, context: CommandContext) throws -> S2TAnswerer {
        let url = StageRun.location(runWord, runsRoot: context.state.runsRoot)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw WorkbenchError.invalidArgument("no run at \(url.path): train one with `train s2t preset=tiny run=\(runWord)` (`run list` shows the runs)")
        }
        let stamp = (try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent("checkpoint.safetensors").path)[.modificationDate]) as? Date
        let key = "\(url.path)|\(stamp?.timeIntervalSince1970 ?? 0)|\(maxTokens ?? 0)"
        if let kept = context.state.models["ask"], kept.source == key, let answerer = kept.object as? S2TAnswerer { return answerer }
        let answerer = try library { try S2TAnswerer(run: url, maxTokens: maxTokens) }
        context.state.models["ask"] = LoadedModel(kind: "ask", source: key, object: answerer)
        return answerer
    }
}
