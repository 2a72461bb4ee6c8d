import Audio
import Evaluation
import Foundation
import Training

/// `play input|target|annotated|output [SAMPLE]` and `play pair WORD WORD`: the sounds of the loaded
/// Echo run, to compare by ear — the spoken question, the echo target Y', the annotated units, and the
/// Echo decoder's own speech of the sample's answer (each unit sequence through the units model's vocoder).
enum EchoPlay {
    static let kinds = ["input", "target", "annotated", "output", "pair"]

    static func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let kind = words[0]
        let task = try EchoSession.task(context, for: "play \(kind)")
        guard let units = task.units else { throw WorkbenchError.failed("the loaded Echo job has no units model to speak with") }
        let folder = try AudioPaths.outputFolder(in: context)
        var clips: [(String, AudioClip?, URL?)] = []
        if kind == "pair" {
            guard words.count == 3 else { throw WorkbenchError.invalidArgument("usage: play pair WORD WORD (e.g. play pair Hi High)") }
            let say = try library { try MinimalPairs.speaker(units) }
            for word in words.dropFirst() {
                clips.append(("\(word) (units of the target voice)", try library { try units.synthesize(units: try say(word)) }, nil))
            }
        } else {
            guard words.count <= 2 else { throw WorkbenchError.invalidArgument("usage: play \(kind) [SAMPLE]") }
            let sample = try EchoSession.sample(words.count == 2 ? words[1] : nil, task)
            switch kind {
            case "input":
                guard let audio = task.examples[sample].question.audio else { throw WorkbenchError.failed("sample \(sample) has no recording on disk") }
                clips.append(("the spoken question of sample \(sample)", nil, audio))
            default:
                let targets = try library { try task.targets(sample: sample) }
                let unitWords: [Int32]
                switch kind {
                case "target": unitWords = targets.target
                case "annotated": unitWords = targets.annotated
                default: unitWords = try library { try task.spokenWords(sample: sample) }
                }
                guard !unitWords.isEmpty else {
                    throw WorkbenchError.failed(kind == "annotated" ? "sample \(sample) has no annotated units (the T2C corpus does not speak its answer)"
                                                                    : "the \(kind) of sample \(sample) has no unit words to speak")
                }
                let names = ["target": task.settings.conventional ? "annotated target" : "echo target Y'", "annotated": "annotated units",
                             "output": "the Echo decoder's speech"]
                clips.append(("\(names[kind]!) of sample \(sample) (\(unitWords.count) words)", try library { try units.synthesize(words: unitWords) }, nil))
            }
        }
        var artifacts: [Artifact] = []
        for (index, (title, clip, existing)) in clips.enumerated() {
            var url = existing
            if let clip {
                url = folder.appendingPathComponent("\(kind)-\(words.count > 1 && kind != "pair" ? words[1] : "0")\(clips.count > 1 ? "-\(AudioPaths.slug(words[index + 1]))" : "").wav")
                try library { try AudioFile.write(clip, to: url!) }
            }
            context.print("\(title): \(url!.path)")
            context.print(AudioPlayer.play(url: url!).description)
            context.state.lastOutputs["wav"] = url!.path
            context.state.currentSample = url!.path
            artifacts.append(Artifact(.audio, url!, title: title))
        }
        return CommandResult(artifacts: artifacts)
    }
}
