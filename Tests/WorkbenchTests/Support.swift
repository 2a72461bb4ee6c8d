import Foundation
import Training
import XCTest
@testable import Workbench

/// Gradient descent on f(x) = Σ a_i (x_i − c_i)², a real (tiny) optimisation with a known trajectory:
/// each coordinate's error shrinks by (1 − 2·lr·a_i) per step.
final class QuadraticJob: TrainingJob {
    let name = "quadratic"
    let curvature: [Double]
    let centre: [Double]
    var x: [Double]
    var learningRate = 0.1
    private(set) var completedSteps = 0
    /// When set, the job presses "Ctrl-C" during this step (as a user would mid-step).
    var interruptDuringStep: Int?

    init(curvature: [Double], centre: [Double], start: [Double]) {
        self.curvature = curvature
        self.centre = centre
        self.x = start
    }

    func apply(settings: TrainingSettings) throws {
        if let lr = settings.double("lr") { learningRate = lr }
    }

    func loss(at point: [Double]) -> Double {
        zip(zip(curvature, centre), point).reduce(0) { $0 + $1.0.0 * ($1.1 - $1.0.1) * ($1.1 - $1.0.1) }
    }

    func step() throws -> StepReport {
        var normSquared = 0.0
        for i in x.indices {
            let g = 2 * curvature[i] * (x[i] - centre[i])
            normSquared += g * g
            x[i] -= learningRate * g
        }
        completedSteps += 1
        if completedSteps == interruptDuringStep { Interrupt.request() }
        return StepReport(step: completedSteps, losses: ["loss": loss(at: x)], gradNorm: normSquared.squareRoot(),
                          tokens: x.count, learningRate: learningRate)
    }

    func describe() -> [(String, String)] { [("dimensions", "\(x.count)"), ("lr", "\(learningRate)")] }
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("echox-wb-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A session over a temporary home and working directory, capturing output.
func makeSession(_ test: XCTestCase) throws -> (WorkbenchSession, URL) {
    let root = try temporaryDirectory(test)
    let home = root.appendingPathComponent("home", isDirectory: true)
    let work = root.appendingPathComponent("work", isDirectory: true)
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    let state = WorkbenchState(home: home, workingDirectory: work)
    return (WorkbenchSession(state: state, output: CapturingSink()), root)
}
