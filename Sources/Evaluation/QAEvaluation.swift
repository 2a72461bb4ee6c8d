import Audio
import Foundation
import Models

/// Where an evaluation stands, after each finished question.
public struct QAProgress: Sendable {
    /// Questions finished in this session, of `pending` left when it started.
    public var done: Int
    public var pending: Int
    /// Questions finished so far in all sessions, right ones among them, and the set's size.
    public var answered: Int
    public var correct: Int
    public var total: Int
}

/// How an evaluation session ended.
public struct QAOutcome: Sendable {
    public var mode: QAMode
    public var complete: Bool
    public var answered: Int
    public var correct: Int
    public var total: Int
    /// Questions finished in this session, and its seconds.
    public var newlyAnswered: Int
    public var sessionSeconds: Double
    public var accuracy: Double { answered > 0 ? Double(correct) / Double(answered) : 0 }
}

/// A spoken-QA evaluation of one mode on one set, into an evaluation folder: it answers every question
/// not answered there yet, writing each result as soon as it is complete, so that a stopped or killed
/// evaluation goes on where it was when the same evaluation is started again.
public final class QAEvaluation {
    public let mode: QAMode
    public let set: URL
    public let limit: Int?
    public let folder: URL
    /// The voice that speaks questions without a recording.
    public var voice: SpeechVoice = .heldOut
    /// The text LLM (t2t, cascade).
    public var textAnswerer: TextAnswerer?
    /// The recogniser of spoken questions (cascade) or of spoken answers (s2s).
    public var recogniser: SpeechRecogniser?
    /// The run's speech model (s2t, s2s).
    public var spokenAnswerer: SpokenAnswerer?
    /// Questions handed to the speech model at once (s2t, s2s).
    public var chunk = 16
    /// Seconds between rewrites of the state and the report while it runs.
    public var reportInterval: Double = 10

    public init(mode: QAMode, set: URL, limit: Int?, folder: URL) {
        self.mode = mode
        self.set = set.standardizedFileURL
        self.limit = limit
        self.folder = folder
    }

    public var files: QAModeFiles { QAModeFiles(folder: folder, mode: mode) }

    // MARK: - Configuration

    /// What this evaluation runs with (compared with the folder's record of it on resume).
    func config(needsVoice: Bool) throws -> QAModeConfig {
        var c = QAModeConfig(mode: mode, set: set.path, limit: limit, answerer: "")
        switch mode {
        case .t2t, .cascade:
            guard let text = textAnswerer else { throw EvaluationError("mode \(mode.rawValue) needs the text LLM") }
            (c.answerer, c.systemPrompt, c.maxTokens) = (text.name, text.systemPrompt, text.maxTokens)
        case .s2t, .s2s:
            guard let speech = spokenAnswerer else { return c }
            c.answerer = speech.name
        }
        if mode == .cascade || mode == .s2s {
            guard let recogniser else { throw EvaluationError("mode \(mode.rawValue) needs a recogniser (whisper or pocketsphinx)") }
            c.recogniser = recogniser.name
        }
        if mode.hearsQuestion && needsVoice { c.voice = voice.description }
        return c
    }

    /// Refuses a folder that holds another set, or this mode run differently.
    func checkFolder(_ config: QAModeConfig) throws {
        for other in QAMode.allCases {
            guard let state = try QAModeFiles(folder: folder, mode: other).readState() else { continue }
            let c = state.config
            if c.set != config.set || c.limit != config.limit {
                throw EvaluationError("\(folder.path) holds an evaluation of \(c.set)\(c.limit.map { " (first \($0))" } ?? "") in mode \(other.rawValue); give another --out for \(config.set)\(config.limit.map { " (first \($0))" } ?? "")")
            }
            if other == mode && c != config {
                let e = QAModeFiles.encoder()
                let was = String(decoding: try e.encode(c), as: UTF8.self), now = String(decoding: try e.encode(config), as: UTF8.self)
                throw EvaluationError("\(folder.path) holds mode \(mode.rawValue) run with \(was); this one is \(now). Resume with the same options, give another --out, or delete \(files.items.lastPathComponent) and \(files.state.lastPathComponent) to start it again")
            }
        }
    }

    // MARK: - Running

    /// Answers the questions not yet answered in the folder; `progress` hears of each finished one,
    /// `shouldStop` is asked between steps. The folder's summary and table are rewritten as it goes and at the end.
    @discardableResult
    public func run(progress: (QAProgress) -> Void = { _ in }, shouldStop: () -> Bool = { false }) throws -> QAOutcome {
        let items = try QASet.read(set, limit: limit)
        if mode == .s2t || mode == .s2s, spokenAnswerer == nil { _ = try SpokenAnswerers.load(run: nil, mode: mode) }
        let config = try config(needsVoice: items.contains { $0.audio == nil })
        try checkFolder(config)
        let previous = try files.readState()
        var done = try files.readItems(known: Set(items.map(\.id)))
        let pending = items.filter { done[$0.id] == nil }
        var state = QAModeState(config: config, seconds: previous?.seconds ?? 0, batch: textAnswerer?.batch ?? chunk, complete: false)
        if mode.hearsQuestion, pending.contains(where: { $0.audio == nil }) { try QuestionSpeech(voice: voice, evaluationFolder: folder).check() }
        try files.writeState(state)

        let log = try QAItemLog(files)
        let start = Date()
        var lastReport = start
        var correct = done.values.filter(\.match).count
        var sessionDone = 0
        func record(_ result: QAItemResult) throws {
            try log.append(result)
            done[result.id] = result
            sessionDone += 1
            if result.match { correct += 1 }
            progress(QAProgress(done: sessionDone, pending: pending.count, answered: done.count, correct: correct, total: items.count))
            if Date().timeIntervalSince(lastReport) >= self.reportInterval {
                lastReport = Date()
                state.seconds = (previous?.seconds ?? 0) + lastReport.timeIntervalSince(start)
                try self.files.writeState(state)
                try QAReport.write(folder: self.folder)
            }
        }
        progress(QAProgress(done: 0, pending: pending.count, answered: done.count, correct: correct, total: items.count))
        var finished = true
        if !pending.isEmpty {
            switch mode {
            case .t2t, .cascade: finished = try answerInText(pending, record: record, shouldStop: shouldStop)
            case .s2t, .s2s: finished = try answerBySpeechModel(pending, record: record, shouldStop: shouldStop)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        state.seconds = (previous?.seconds ?? 0) + seconds
        state.complete = finished && done.count == items.count
        if state.complete { try files.writeItems(items.compactMap { done[$0.id] }) }
        try files.writeState(state)
        try QAReport.write(folder: folder)
        return QAOutcome(mode: mode, complete: state.complete, answered: done.count, correct: correct, total: items.count,
                         newlyAnswered: sessionDone, sessionSeconds: seconds)
    }

    /// Folder-relative path of a file inside the folder (absolute otherwise).
    func relative(_ url: URL) -> String {
        let base = folder.standardizedFileURL.path + "/", path = url.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    /// t2t and cascade: the text LLM answers the question text or the recogniser's transcript of it.
    private func answerInText(_ pending: [QAItem], record: (QAItemResult) throws -> Void, shouldStop: () -> Bool) throws -> Bool {
        guard let text = textAnswerer else { throw EvaluationError("mode \(mode.rawValue) needs the text LLM") }
        let speech = QuestionSpeech(voice: voice, evaluationFolder: folder)
        var heard: [Int: (audio: String, transcript: String, timings: [String: Double])] = [:]
        let context = text.generator.engine.config.contextLength
        let longestQuestion = pending.map { text.prompt($0.question).count }.max() ?? 1
        // A transcript is about as long as the question; Whisper writes at most 224 tokens.
        let longest = min(context - text.maxTokens, mode == .t2t ? longestQuestion : max(2 * longestQuestion + 32, 288))
        return try text.answer(count: pending.count, longest: longest, question: { i in
            let item = pending[i]
            guard mode == .cascade else { return item.question }
            guard let recogniser else { throw EvaluationError("mode cascade needs a recogniser") }
            let (url, synthesis) = try speech.audio(for: item)
            let clock = Date()
            let transcript = try recogniser.transcribe([url]).first ?? ""
            heard[i] = (relative(url), transcript, ["synthesis": synthesis, "transcription": Date().timeIntervalSince(clock)])
            return transcript
        }, shouldStop: shouldStop) { i, result in
            let item = pending[i]
            var timings = heard[i]?.timings ?? [:]
            timings["prefill"] = result.prefillSeconds
            timings["decode"] = result.decodeSeconds
            let matched = ExistMatch.matchedAnswer(response: result.text, answers: item.answers)
            try record(QAItemResult(id: item.id, question: item.question, answers: item.answers, questionAudio: heard[i]?.audio,
                                    questionTranscript: heard[i]?.transcript, response: result.text, answerAudio: nil, answerTranscript: nil,
                                    match: matched != nil, matchedAnswer: matched, tokens: result.tokens.count, timings: timings))
            heard[i] = nil
        }
    }

    /// s2t and s2s: the run's speech model answers the spoken question; in s2s its spoken answer is
    /// transcribed and the transcript scored.
    private func answerBySpeechModel(_ pending: [QAItem], record: (QAItemResult) throws -> Void, shouldStop: () -> Bool) throws -> Bool {
        guard let model = spokenAnswerer else { throw EvaluationError("mode \(mode.rawValue) needs a speech model") }
        if mode == .s2s && !model.speaks {
            throw EvaluationError("\(model.name) answers in text only; mode s2s needs a model that speaks, trained by \(SpokenAnswerers.trainingCommand(for: .s2s))")
        }
        let speech = QuestionSpeech(voice: voice, evaluationFolder: folder)
        let answers = folder.appendingPathComponent("answers-\(mode.rawValue)", isDirectory: true)
        for start in stride(from: 0, to: pending.count, by: max(1, chunk)) {
            if shouldStop() { return false }
            let part = Array(pending[start..<min(pending.count, start + max(1, chunk))])
            var audio: [URL] = [], synthesis: [Double] = []
            for item in part { let (url, seconds) = try speech.audio(for: item); audio.append(url); synthesis.append(seconds) }
            let clips = try audio.map { try AudioFile.read($0, sampleRate: 16_000) }
            let clock = Date()
            let replies = try model.answer(clips, speak: mode == .s2s)
            guard replies.count == part.count else {
                throw EvaluationError("\(model.name) gave \(replies.count) answers to \(part.count) questions")
            }
            let answering = Date().timeIntervalSince(clock) / Double(part.count)
            var wavs: [URL] = [], transcripts: [String] = [], hearing = 0.0
            if mode == .s2s {
                guard let recogniser else { throw EvaluationError("mode s2s needs a recogniser") }
                for (item, reply) in zip(part, replies) {
                    guard let clip = reply.audio else { throw EvaluationError("\(model.name) gave no speech for question \(item.id)") }
                    let url = answers.appendingPathComponent(QuestionSpeech.fileName(item.id) + ".wav")
                    try AudioFile.write(clip, to: url)
                    wavs.append(url)
                }
                let heard = Date()
                transcripts = try recogniser.transcribe(wavs)
                hearing = Date().timeIntervalSince(heard) / Double(part.count)
            }
            for (k, (item, reply)) in zip(part, replies).enumerated() {
                let scored = mode == .s2s ? transcripts[k] : reply.text
                let matched = ExistMatch.matchedAnswer(response: scored, answers: item.answers)
                var timings = ["synthesis": synthesis[k], "answer": answering]
                if mode == .s2s { timings["answer_transcription"] = hearing }
                try record(QAItemResult(id: item.id, question: item.question, answers: item.answers, questionAudio: relative(audio[k]),
                                        questionTranscript: reply.heard, response: reply.text, answerAudio: mode == .s2s ? relative(wavs[k]) : nil,
                                        answerTranscript: mode == .s2s ? transcripts[k] : nil,
                                        answerWordErrorRate: mode == .s2s ? WordErrorRate.of(hypothesis: transcripts[k], reference: reply.text) : nil,
                                        match: matched != nil,
                                        matchedAnswer: matched, tokens: nil, timings: timings))
            }
        }
        return true
    }
}
