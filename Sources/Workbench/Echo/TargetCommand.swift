import Foundation
import Tensor
import Training

/// `target [SAMPLE]`: what a sample of the loaded Echo run learns to say, side by side as unit-language
/// words: its answer X', the echo target Y' (T2C saying X') and the annotated units (the target voice
/// saying the target answer), with their edit distance and where they differ.
public final class TargetCommand: WorkbenchCommand {
    public let name = "target"
    public let usage = "target [SAMPLE]"
    public let summary = "a sample's answer X', its echo target Y' and the annotated units, with their edit distance and where they differ"
    public let arguments = [ArgumentSpec("sample", optional: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard words.count <= 1 else { throw WorkbenchError.usage(usage) }
        let task = try EchoSession.task(context, for: "target")
        let sample = try EchoSession.sample(words.first, task)
        let targets = try library { try task.targets(sample: sample) }
        let question = task.examples[sample].question
        let conventional = task.settings.conventional
        context.print("sample \(sample): heard \"\(EchoSession.text(question.transcript, task))\"")
        context.print("  target answer X: \"\(EchoSession.text(question.answerText, task))\"")
        if !conventional { context.print("  its answer X':   \"\(EchoSession.text(targets.text, task))\"") }
        let targetName = conventional ? "annotated units (the target)" : "echo target Y'"
        context.print("  \(targetName) (\(targets.target.count) words): \(EchoSession.words(targets.target))")
        guard !conventional else { return .ok }
        guard !targets.annotated.isEmpty else {
            context.print("  annotated units: none (the T2C corpus does not speak this answer)")
            return .ok
        }
        context.print("  annotated units (\(targets.annotated.count) words): \(EchoSession.words(targets.annotated))")
        let distance = EditDistance.distance(targets.target, targets.annotated)
        context.print(String(format: "  edit distance Y' ↔ annotated: %d (%.2f of the longer)", distance, EditDistance.normalized(targets.target, targets.annotated)))
        context.print("  where they differ: " + Self.differences(targets.target, targets.annotated))
        return .ok
    }

    /// The differing runs of an alignment: `@i: a b → c` (replaced), `@i: +c` (only in b), `@i: −a` (only in a).
    static func differences(_ a: [Int32], _ b: [Int32], limit: Int = 12) -> String {
        var runs: [String] = [], left: [Int32] = [], right: [Int32] = [], start: Int?
        func flush() {
            guard let at = start else { return }
            let from = left.map(String.init).joined(separator: " "), to = right.map(String.init).joined(separator: " ")
            runs.append("@\(at): " + (left.isEmpty ? "+\(to)" : right.isEmpty ? "−\(from)" : "\(from) → \(to)"))
            (left, right, start) = ([], [], nil)
        }
        var position = 0
        for step in EditDistance.alignment(a, b) {
            switch step {
            case .same: flush()
            case .substitute(let i, let j): start = start ?? position; left.append(a[i]); right.append(b[j])
            case .onlyA(let i): start = start ?? position; left.append(a[i])
            case .onlyB(let j): start = start ?? position; right.append(b[j])
            }
            position += 1
        }
        flush()
        if runs.isEmpty { return "nowhere (the same words)" }
        return runs.prefix(limit).joined(separator: "; ") + (runs.count > limit ? "; … \(runs.count - limit) more" : "")
    }
}
