import Evaluation
import Foundation

/// The bar charts of spoken-QA evaluations (gnuplot, through `Plot`).
enum EvalChart {
    /// Accuracy per mode of one evaluation folder.
    static func accuracy(_ summary: QASummary, to url: URL) throws -> URL {
        let modes = summary.modes.map(\.mode)
        let chart = BarChart(categories: modes.map(\.rawValue),
                             series: [BarChart.Series(name: "accuracy (answer-exists match)", values: modes.map { m in summary.mode(m).map { 100 * $0.accuracy } })])
        let plot = Plot(title: "Spoken QA accuracy: \(title(summary))", xLabel: "mode", yLabel: "questions answered right (%)",
                        content: .bars(chart))
        return try plot.writePNG(to: url)
    }

    /// Accuracy per mode, one bar per evaluation folder.
    static func comparison(_ runs: [(name: String, summary: QASummary)], to url: URL) throws -> URL {
        let modes = QAMode.allCases.filter { m in runs.contains { $0.summary.mode(m) != nil } }
        let chart = BarChart(categories: modes.map(\.rawValue), series: runs.map { run in
            BarChart.Series(name: run.name, values: modes.map { m in run.summary.mode(m).map { 100 * $0.accuracy } })
        })
        let sets = Set(runs.map { title($0.summary) })
        let plot = Plot(title: "Spoken QA accuracy" + (sets.count == 1 ? ": \(sets.first!)" : ", side by side"), xLabel: "mode",
                        yLabel: "questions answered right (%)", content: .bars(chart))
        return try plot.writePNG(to: url)
    }

    static func title(_ s: QASummary) -> String {
        URL(fileURLWithPath: s.set).deletingPathExtension().lastPathComponent + (s.limit.map { ", first \($0)" } ?? "")
    }
}
