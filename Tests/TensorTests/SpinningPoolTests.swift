import Dispatch
import XCTest
@testable import Tensor

final class SpinningPoolTests: XCTestCase {
    /// Every task of every job runs exactly once, across many short jobs in a row.
    func testEveryTaskRunsOnceAcrossManyJobs() {
        let pool = SpinningPool(helpers: 1)
        defer { pool.stop() }
        for tasks in [1, 2, 3, 7, 64] {
            for _ in 0..<200 {
                let counts = UnsafeMutablePointer<Int>.allocate(capacity: tasks)
                counts.initialize(repeating: 0, count: tasks)
                pool.run(tasks: tasks) { t in counts[t] += 1 }
                XCTAssertEqual(Array(UnsafeBufferPointer(start: counts, count: tasks)), [Int](repeating: 1, count: tasks))
                counts.deallocate()
            }
        }
    }

    /// A job started from inside a task, or from a second thread while a job runs, runs inline.
    func testNestedAndConcurrentJobsRunInline() {
        let pool = SpinningPool(helpers: 1)
        defer { pool.stop() }
        let sums = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        sums.initialize(repeating: 0, count: 4)
        pool.run(tasks: 4) { t in
            var local = 0
            pool.run(tasks: 5) { u in local += u }
            sums[t] = local
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: sums, count: 4)), [10, 10, 10, 10])
        sums.deallocate()
        let totals = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            var total = 0
            for _ in 0..<100 {
                let parts = UnsafeMutablePointer<Int>.allocate(capacity: 8)
                pool.run(tasks: 8) { t in parts[t] = t }
                total += (0..<8).reduce(0) { $0 + parts[$1] }
                parts.deallocate()
            }
            totals[caller] = total
        }
        XCTAssertEqual(totals[0], 2800)
        XCTAssertEqual(totals[1], 2800)
        totals.deallocate()
    }
}
