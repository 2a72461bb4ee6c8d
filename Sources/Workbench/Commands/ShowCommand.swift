import Foundation

/// `show config|params|state|losses [n]|sample|batch`.
public final class ShowCommand: WorkbenchCommand {
    public let name = "show"
    public let usage = "show config | show params | show state | show losses [n] | show sample | show batch"
    public let summary = "show settings, the job's parameters, the session state, recent losses, or what the last step saw"
    public let arguments = [ArgumentSpec("what", completion: .words(["batch", "config", "losses", "params", "sample", "state"])),
                            ArgumentSpec("n", optional: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        let state = context.state
        switch (words[0], words.count) {
        case ("config", 1):
            context.print("settings:\n" + settingsTable(state.settings) + "\nECHOX_HOME: \(state.home.path)")
            // A stage's recipe: the readable file its run keeps.
            if let path = state.job?.spec?.options["config"], let text = try? String(contentsOfFile: path, encoding: .utf8) {
                context.print("\(state.job!.name) recipe (\(path)):\n" + text)
            }
        case ("batch", 1):
            guard let job = state.job else { throw WorkbenchError.noJob }
            guard let sample = job.lastSample, !sample.batch.isEmpty else {
                context.print("the \(job.name) job has listed no batch yet — run `step` first (or it lists none)")
                return .ok
            }
            context.print("step \(sample.step), \(sample.batch.count) items:\n" + sample.batch.enumerated().map { "  \($0.offset)  \($0.element)" }.joined(separator: "\n"))
        case ("params", 1):
            guard let job = state.job else { throw WorkbenchError.noJob }
            context.print(table(job.describe()))
        case ("state", 1):
            var rows: [(String, String)] = [("home", state.home.path), ("run", state.run?.url.path ?? "(none)"),
                                            ("job", state.job.map { "\($0.name), \($0.completedSteps) steps" } ?? "(none)"),
                                            ("sample", state.currentSample ?? "(none)")]
            for (slot, model) in state.models.sorted(by: { $0.key < $1.key }) { rows.append(("model \(slot)", "\(model.kind) from \(model.source)")) }
            for (key, value) in state.lastOutputs.sorted(by: { $0.key < $1.key }) { rows.append(("last \(key)", value)) }
            context.print(table(rows))
        case ("sample", 1):
            guard let job = state.job else { throw WorkbenchError.noJob }
            guard let sample = job.lastSample else {
                context.print("the \(job.name) job has no sample yet — run `step` first (or its stage shows none)")
                return .ok
            }
            let oneLine = { (text: String) -> String in
                let flat = text.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\t", with: " ")
                return flat.count > 100 ? String(flat.prefix(100)) + "…" : flat
            }
            context.print("step \(sample.step):\n" + table(sample.fields.map { ($0.name, oneLine($0.value)) }))
        case ("losses", _):
            let count = try words.count > 1 ? parsePositive(words[1], what: "count") : 10
            try showLosses(count, context: context)
        default:
            throw WorkbenchError.usage(usage)
        }
        return .ok
    }

    /// The last `count` records of the current run's metrics.jsonl, one line each.
    private func showLosses(_ count: Int, context: CommandContext) throws {
        guard let run = context.state.run else {
            throw WorkbenchError.invalidArgument("no current run — train first, or pick one with `run use <name>`")
        }
        let records = try MetricsLog.read(run.metricsURL)
        guard !records.isEmpty else { context.print("no metrics yet in \(run.metricsURL.path)"); return }
        let keys = Array(Set(records.suffix(count).flatMap(\.values.keys))).sorted()
        let width = max(12, (keys.map(\.count).max() ?? 0) + 2)
        var lines = [(["step"] + keys).map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined()]
        for record in records.suffix(count) {
            let cells = ["\(record.step)"] + keys.map { record.values[$0].map(formatNumber) ?? "-" }
            lines.append(cells.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined())
        }
        if let first = records.first?.values["loss"], let last = records.last?.values["loss"] {
            lines.append("loss \(formatNumber(first)) → \(formatNumber(last)) over \(records.count) records")
        }
        context.print(lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n"))
    }
}

/// Two aligned columns.
func table(_ rows: [(String, String)]) -> String {
    let width = (rows.map(\.0.count).max() ?? 0) + 2
    return rows.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
}
