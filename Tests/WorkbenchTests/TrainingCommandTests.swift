import XCTest
@testable import Workbench

final class TrainingCommandTests: XCTestCase {
    private func quadraticSession() throws -> (WorkbenchSession, QuadraticJob) {
        let (session, _) = try makeSession(self)
        let job = QuadraticJob(curvature: [1, 3], centre: [2, -1], start: [0, 0])
        session.state.job = job
        XCTAssertNil(session.execute("set lr 0.1").error)
        XCTAssertNil(session.execute("run new quad").error)
        return (session, job)
    }

    func testStepsFollowTheAnalyticTrajectoryAndAreLogged() throws {
        let (session, job) = try quadraticSession()
        let outcome = session.execute("step 3")
        XCTAssertNil(outcome.error)
        XCTAssertTrue(outcome.output.hasPrefix("step  3/3  step 3  loss "), outcome.output)
        let records = try MetricsLog.read(session.state.run!.metricsURL)
        XCTAssertEqual(records.map(\.step), [1, 2, 3])
        // Error of coordinate i after k steps: (x0 − c)·(1 − 2·lr·a)^k.
        for record in records {
            let k = Double(record.step)
            let e0 = (0 - 2.0) * pow(1 - 0.2 * 1, k), e1 = (0 + 1.0) * pow(1 - 0.2 * 3, k)
            XCTAssertEqual(record.values["loss"]!, 1 * e0 * e0 + 3 * e1 * e1, accuracy: 1e-12)
            XCTAssertEqual(record.values["lr"], 0.1)
            XCTAssertEqual(record.values["tokens"], 2)
        }
        XCTAssertEqual(job.completedSteps, 3)
    }

    func testTrainForAndUntil() throws {
        let (session, job) = try quadraticSession()
        let forOutcome = session.execute("train for 20")
        XCTAssertTrue(forOutcome.output.contains("ran 20 steps, now at step 20"), forOutcome.output)
        let until = session.execute("train until loss < 1e-12")
        XCTAssertNil(until.error)
        XCTAssertTrue(until.output.contains("condition met at step"), until.output)
        let records = try MetricsLog.read(session.state.run!.metricsURL)
        XCTAssertEqual(records.count, job.completedSteps)
        XCTAssertLessThan(records.last!.values["loss"]!, 1e-12)
        XCTAssertGreaterThanOrEqual(records[records.count - 2].values["loss"]!, 1e-12, "stopped at the first step that met it")
        let losses = session.execute("show losses 2").output
        XCTAssertTrue(losses.contains("\n\(job.completedSteps) "), losses)
        XCTAssertTrue(losses.contains("over \(job.completedSteps) records"), losses)
    }

    func testTrainUntilGivesUpAtMaxSteps() throws {
        let (session, job) = try quadraticSession()
        session.execute("set train.max_steps 7")
        let outcome = session.execute("train until loss<0")
        XCTAssertTrue(outcome.output.contains("condition loss<0 not met within train.max_steps = 7"), outcome.output)
        XCTAssertEqual(job.completedSteps, 7)
    }

    func testCtrlCStopsAtTheNextStepBoundaryAndTheSessionGoesOn() throws {
        let (session, job) = try quadraticSession()
        job.interruptDuringStep = 7
        let outcome = session.execute("train for 1000")
        XCTAssertNil(outcome.error)
        XCTAssertTrue(outcome.result.wasInterrupted)
        XCTAssertTrue(outcome.output.contains("interrupted: stopped at a step boundary after step 7 (7 steps this time, 993 of 1000 steps not run)"), outcome.output)
        XCTAssertEqual(job.completedSteps, 7)
        XCTAssertEqual(try MetricsLog.read(session.state.run!.metricsURL).count, 7)
        XCTAssertFalse(Interrupt.isPending, "the flag is cleared for the next command")
        let next = session.execute("step 2")
        XCTAssertNil(next.error)
        XCTAssertEqual(job.completedSteps, 9)
    }

    func testARunIsMadeWhenNoneIsSelectedAndDemoJobLearns() throws {
        let (session, _) = try makeSession(self)
        session.execute("set seed 4")
        session.execute("set lr 0.05")
        XCTAssertNil(session.execute("load demo-regression samples=500 features=5 noise=0.01").error)
        let job = try XCTUnwrap(session.state.job as? LinearRegressionDemo)
        let before = job.weightError
        XCTAssertNil(session.execute("train for 400").error)
        XCTAssertTrue(session.state.run!.name.hasPrefix("demo-regression-"))
        XCTAssertLessThan(job.weightError, before * 0.05, "gradient descent recovers the generating weights")
        let again = try LinearRegressionDemo(samples: 500, features: 5, seed: 4, noise: 0.01)
        XCTAssertEqual(again.trueWeights, job.trueWeights, "data are a function of the seed")
        XCTAssertTrue(session.execute("show params").output.contains("features      5"))
    }

    func testRunSelectionNeverMixesRuns() throws {
        let (session, job) = try quadraticSession()
        session.execute("step 2")
        XCTAssertEqual(session.execute("run new quad").error, "run 'quad' exists — `run use quad` continues it, or pick another name")
        XCTAssertNil(session.execute("run new other").error)
        XCTAssertNil(session.execute("run use quad").error)
        session.execute("step 1")
        XCTAssertEqual(try MetricsLog.read(session.state.run!.metricsURL).map(\.step), [1, 2, 3])
        XCTAssertEqual(job.completedSteps, 3)
        XCTAssertEqual(session.execute("run list").output, "  other\n* quad\n")
        session.state.run = nil
        let first = try session.state.ensureRun(prefix: "q")
        session.state.run = nil
        let second = try session.state.ensureRun(prefix: "q")
        XCTAssertNotEqual(first.name, second.name, "automatic run names are unique")
    }

    func testOtherModulesAddLoaders() throws {
        let (session, _) = try makeSession(self)
        session.registry.registerLoader(Loader(kind: "quadratic", usage: "quadratic <dimensions>", summary: "a bowl") { words, context in
            guard let n = words.first.flatMap(Int.init), n > 0 else { throw WorkbenchError.usage("load quadratic <dimensions>") }
            context.state.job = QuadraticJob(curvature: Array(repeating: 1, count: n), centre: Array(repeating: 1, count: n),
                                             start: Array(repeating: 0, count: n))
            return .ok
        })
        XCTAssertEqual(Completer(session: session).complete("load "), ["demo-regression", "quadratic"])
        XCTAssertEqual(session.execute("load quadratic x").error, "usage: load quadratic <dimensions>")
        XCTAssertNil(session.execute("load quadratic 4").error)
        session.execute("set lr 0.25")
        XCTAssertNil(session.execute("step").error)
        // lr 0.25 on a unit bowl halves every coordinate's distance: loss 4·0.5² = 1.
        XCTAssertEqual(try MetricsLog.read(session.state.run!.metricsURL).last?.values["loss"], 1)
    }

    func testStopConditionParsing() throws {
        XCTAssertEqual(try StopCondition(parsing: "loss<=0.5"), try StopCondition(parsing: "loss <= 0.5"))
        let c = try StopCondition(parsing: "grad_norm>2")
        XCTAssertEqual(c.metric, "grad_norm")
        XCTAssertEqual(c.comparison, .greater)
        XCTAssertTrue(c.isMet(by: ["grad_norm": 3]))
        XCTAssertFalse(c.isMet(by: ["loss": 3]))
        XCTAssertThrowsError(try StopCondition(parsing: "<3"))
        XCTAssertThrowsError(try StopCondition(parsing: "loss<abc"))
    }

    func testMalformedMetricsNameTheLine() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("metrics.jsonl")
        try Data("{\"step\":1,\"loss\":2}\nnot json\n".utf8).write(to: url)
        XCTAssertThrowsError(try MetricsLog.read(url)) { error in
            XCTAssertTrue("\(error)".hasSuffix("metrics.jsonl:2: not a metrics record (need a JSON object with \"step\")"), "\(error)")
        }
    }
}
