import CBLAS
import Foundation
import Synchronization

/// Worker threads that keep spinning for a short while between jobs, for many short parallel
/// regions in a row (decoding runs a few hundred per token, tens of microseconds each). Waking a
/// sleeping thread costs several microseconds on a virtual machine; a spinning one starts at once.
/// After `spinLimit` idle polls a worker sleeps until the next job, so an idle pool costs nothing.
///
/// `run` is not reentrant: calls from inside a job, or while another thread runs a job, execute
/// inline on the calling thread.
public final class SpinningPool: @unchecked Sendable {
    /// The pool used by decoding kernels: one helper per core beyond the caller's.
    public static let shared = SpinningPool(helpers: max(0, Parallelism.cores - 1))

    /// Polls of an idle helper before it sleeps (a fraction of a millisecond on an idle machine).
    static let spinLimit = 2_000

    static let viaDispatch = ProcessInfo.processInfo.environment["ECHOX_NO_SPIN"] != nil
    private let helpers: Int
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let condition = NSCondition()
    private var job: ((Int) -> Void)?
    private var jobWorkers = 0

    init(helpers: Int) {
        self.helpers = helpers
        for index in 0..<helpers {
            let thread = Thread { [unowned self] in self.helperLoop(index: index + 1) }
            thread.name = "echox-spin-\(index + 1)"
            thread.start()
        }
    }

    /// Workers available to `run` (helpers plus the calling thread).
    public var width: Int { helpers + 1 }

    /// Runs `body(w)` for w in 0..<workers (at most `width`), w = 0 on the calling thread; returns
    /// when all are done. Nested or concurrent calls run every `w` inline.
    public func run(workers requested: Int, _ body: (Int) -> Void) {
        let workers = min(requested, width)
        if SpinningPool.viaDispatch && workers > 1 && !ParallelRegion.isWorker {
            DispatchQueue.concurrentPerform(iterations: workers) { w in ParallelRegion.enter(); body(w); ParallelRegion.leave() }
            return
        }
        guard workers > 1, !ParallelRegion.isWorker,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for w in 0..<max(requested, 0) { body(w) }
            return
        }
        withoutActuallyEscaping(body) { body in
            job = body
            jobWorkers = workers
            remaining.store(helpers, ordering: .releasing)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock(); condition.broadcast(); condition.unlock()
            }
            ParallelRegion.enter()
            body(0)
            ParallelRegion.leave()
            var polls = 0
            while remaining.load(ordering: .acquiring) > 0 { SpinningPool.backOff(&polls) }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// One idle poll: a CPU pause at first, then yielding the core, so that a busy machine (more
    /// runnable threads than cores) still schedules the thread being waited for.
    @inline(__always)
    static func backOff(_ polls: inout Int) {
        polls += 1
        if polls < 256 { spinPause() } else { sched_yield() }
    }

    private func helperLoop(index: Int) {
        ParallelRegion.enter()
        var seen = 0
        while true {
            var polls = 0
            while generation.load(ordering: .acquiring) == seen {
                if polls < SpinningPool.spinLimit { SpinningPool.backOff(&polls); continue }
                sleepers.add(1, ordering: .sequentiallyConsistent)
                condition.lock()
                while generation.load(ordering: .sequentiallyConsistent) == seen { condition.wait() }
                condition.unlock()
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
            }
            seen = generation.load(ordering: .acquiring)
            if index < jobWorkers, let job { job(index) }
            remaining.subtract(1, ordering: .releasing)
        }
    }
}

/// A CPU hint that the thread is spinning (x86 `pause`).
@inline(__always)
func spinPause() { echox_spin_pause() }
