import Audio
import Evaluation
import Foundation
import Models
import Training

/// `ask run=DIR audio=Q.wav` or `ask run=DIR <text…>`: a trained run answers one question, streaming;
/// an Echo run also speaks the answer (`out=A.wav`), segment by segment while the text goes on with `stream`.
public final class AskCommand: WorkbenchCommand {
    public let name = "ask"
    public let usage = "ask run=DIR (audio=Q.wav | text=Q | <text…>) [out=A.wav] [stream=true] [max_tokens=N]"
    public let summary = "a trained S2T or Echo run answers a spoken (or typed) question, the text streaming as it comes; Echo runs speak it"
    public let help = """
        ask run=DIR audio=Q.wav      the run hears the recording (any rate the audio reader takes, up to 30 s)
        ask run=DIR text=Q           the run reads the question (the same LLM and LoRA, text in place of speech)
        out=A.wav                    an Echo run's spoken answer is written there (its hidden states → Denoising
                                     Adapter → Echo decoder → unit words → vocoder)
        stream=true (--stream)       an Echo run speaks each segment of the answer while the text goes on
                                     (cut where the hidden state is most like the "." row; see SegmentRule)
        run= is a name under $ECHOX_HOME/runs or a path; the answer is greedy, at most max_tokens tokens
        (default: the run's answer length). The last lines give the time from the end of the audio to
        the first answer token, and to each spoken chunk.
        """
    public let options = [OptionSpec("run", help: "the S2T or Echo run that answers"), OptionSpec("audio", help: "the spoken question"),
                          OptionSpec("text", help: "a typed question"), OptionSpec("max_tokens", help: "answer length in tokens"),
                          OptionSpec("out", help: "where an Echo run's spoken answer goes (WAV)"),
                          OptionSpec("stream", flag: true, help: "speak segment by segment while the text is generated")]
    public let arguments = [ArgumentSpec("text", variadic: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let parsed = try CommandOptions(words, specs: options, usage: usage)
        let text = parsed["text"] ?? (parsed.positional.isEmpty ? nil : parsed.positional.joined(separator: " "))
        guard let runWord = parsed["run"] else { throw WorkbenchError.invalidArgument("ask needs run=DIR, a run trained by `train s2t` or `train echo`; usage: \(usage)") }
        guard (parsed["audio"] == nil) != (text == nil) else {
            throw WorkbenchError.invalidArgument("ask takes a spoken question (audio=Q.wav) or a typed one (text=Q), one of them; usage: \(usage)")
        }
        let maxTokens = try parsed.int("max_tokens", in: 1...2048)
        let stream = try parsed.flag("stream")
        let out = parsed["out"].map { URL(fileURLWithPath: $0, relativeTo: context.state.workingDirectory).standardizedFileURL }
        // Read and check the recording before a model is loaded.
        var clip: AudioClip?
        if let audio = parsed["audio"] {
            let url = URL(fileURLWithPath: audio, relativeTo: context.state.workingDirectory).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.path) else { throw WorkbenchError.missingFile(url.path) }
            let read = try library { try AudioFile.read(url) }
            try library { try S2TAnswerer.check(read, source: url.lastPathComponent) }
            clip = read
        }
        let model = try answerer(runWord, maxTokens: maxTokens, context: context)
        let echo = model as? EchoAnswerer
        if echo == nil && (stream || out != nil) {
            throw WorkbenchError.invalidArgument("\(runWord) is an S2T run, which answers in text only: give an Echo run (`train echo`) to hear the answer")
        }
        let answerer = echo?.text ?? (model as! S2TAnswerer)
        let clock = ContinuousClock()
        let start = clock.now
        var first: Duration?
        var finished: Duration?
        let onText: (String) -> Bool = { piece in
            if first == nil { first = clock.now - start }
            context.output.write(piece)
            return !context.isCancelled
        }
        let result: GenerationResult
        var chunks: [SpokenChunk] = []
        if let echo, stream || out != nil {
            (result, chunks) = try library {
                try echo.answer(clip, typed: text, stream: stream, onText: { piece in
                    let go = onText(piece)
                    finished = clock.now - start
                    return go
                })
            }
        } else {
            result = try library {
                if let clip { return try answerer.answer(clip, onText: onText) }
                return try answerer.answer(text: text!, onText: onText)
            }
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
        var artifacts: [Artifact] = []
        if let echo, !chunks.isEmpty || out != nil {
            let textEnd = finished?.inSeconds ?? total
            for chunk in chunks {
                context.print(String(format: "speech %d (segment %d, tokens %d–%d): %d unit words, %.2f s of audio, ready %.3f s after the %@ (text done at %.3f s)",
                                     chunk.index + 1, chunk.segment + 1, chunk.tokens.lowerBound, chunk.tokens.upperBound - 1, chunk.words.count,
                                     chunk.audio.duration, chunk.readySeconds, clip == nil ? "question" : "end of the audio", textEnd))
            }
            if stream, chunks.count > 1 {
                let waits = EchoAnswerer.playbackWaits(chunks)
                context.print(waits.total == 0 ? "played from the first chunk on, the speech runs without a gap"
                    : String(format: "played from the first chunk on, the speech waits %.3f s in all for later chunks (%.3f s at most)", waits.total, waits.longest))
            }
            if let out {
                let audio = EchoAnswerer.join(chunks, sampleRate: echo.units.sampleRate)
                guard !audio.samples.isEmpty else { throw WorkbenchError.failed("the Echo decoder said nothing for this answer, so there is no WAV to write: train the Echo run further") }
                try library { try AudioFile.write(audio, to: out) }
                context.state.lastOutputs["wav"] = out.path
                artifacts.append(Artifact(.audio, out, title: "spoken answer: \(result.text)"))
                context.print(String(format: "spoken answer: %@ (%.2f s)", out.path, audio.duration))
            }
        }
        return CommandResult(artifacts: artifacts, wasInterrupted: result.stoppedBy == .callback)
    }

    /// The run's answerer (S2T or Echo), kept in the session while the run's checkpoint is the same.
    private func answerer(_ runWord: String, maxTokens: Int?, context: CommandContext) throws -> AnyObject {
        let url = StageRun.location(runWord, runsRoot: context.state.runsRoot)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw WorkbenchError.invalidArgument("no run at \(url.path): train one with `train s2t preset=tiny run=\(runWord)` (`run list` shows the runs)")
        }
        let stamp = (try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent("checkpoint.safetensors").path)[.modificationDate]) as? Date
        let key = "\(url.path)|\(stamp?.timeIntervalSince1970 ?? 0)|\(maxTokens ?? 0)"
        if let kept = context.state.models["ask"], kept.source == key, let object = kept.object { return object }
        let answerer: AnyObject = try library {
            if StageRun.isRun(url, of: EchoRecipe.self) { return try EchoAnswerer(run: url, maxTokens: maxTokens) }
            return try S2TAnswerer(run: url, maxTokens: maxTokens)
        }
        context.state.models["ask"] = LoadedModel(kind: "ask", source: key, object: answerer)
        return answerer
    }
}
