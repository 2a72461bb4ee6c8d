import CBLAS
import Foundation
import Synchronization

/// Worker threads that keep spinning for a short while between jobs, for many short parallel
/// regions in a row (decoding runs a few hundred per token, tens of microseconds each). Waking a
/// sleeping thread costs several microseconds on a virtual machine; a spinning one starts at once.
///
/// A job is a number of tasks that the caller and the helpers claim one at a time, so when a
/// helper is not running (a busy machine) the caller does its share instead of waiting for it.
/// Idle helpers pause, then yield the core, then sleep until the next job.
///
/// `run` is not reentrant: calls from inside a task, or while another thread runs a job, execute
/// their tasks inline on the calling thread.
public final class SpinningPool: @unchecked Sendable {
    /// The pool used by decoding kernels: one helper per active processor beyond the caller's
    /// (callers limit the threads they use with `Parallelism.cores`).
    public static let shared = SpinningPool(helpers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// Idle polls with a CPU pause, then with a yield, before a helper sleeps.
    static let pausePolls = 4096, idlePolls = 8192

    private let helpers: Int
    /// Job generation (high 32 bits) and the next unclaimed task (low 32 bits).
    private let state = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let condition = NSCondition()
    private var job: ((Int) -> Void)?
    private var tasks = 0

    init(helpers: Int) {
        self.helpers = helpers
        for index in 0..<helpers {
            // Helpers keep the pool alive until `stop`.
            let thread = Thread { self.helperLoop() }
            thread.name = "echox-spin-\(index + 1)"
            thread.start()
        }
    }

    /// Threads that can take part in a job (helpers plus the caller), within `Parallelism.cores`.
    public var width: Int { min(helpers + 1, Parallelism.cores) }

    /// Runs `body(t)` for every t in 0..<tasks on the caller and the helpers; returns when all are done.
    public func run(tasks count: Int, _ body: (Int) -> Void) {
        guard count > 1, width > 1, !ParallelRegion.isWorker,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for t in 0..<max(count, 0) { body(t) }
            return
        }
        withoutActuallyEscaping(body) { body in
            job = body
            tasks = count
            completed.store(0, ordering: .relaxed)
            let generation = (state.load(ordering: .relaxed) >> 32) + 1
            state.store(generation << 32, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock(); condition.broadcast(); condition.unlock()
            }
            ParallelRegion.enter()
            claimTasks(generation: generation)
            ParallelRegion.leave()
            var polls = 0
            while completed.load(ordering: .acquiring) < count { SpinningPool.backOff(&polls) }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Runs `body(start, end)` over 0..<count in chunks of at least `minChunk` items, up to two
    /// per thread, claimed as they come.
    public func chunks(_ count: Int, minChunk: Int, _ body: (Int, Int) -> Void) {
        let tasks = max(1, min(2 * width, count / max(minChunk, 1)))
        let size = (count + tasks - 1) / tasks
        run(tasks: tasks) { t in
            let start = t * size, end = min(count, start + size)
            if start < end { body(start, end) }
        }
    }

    /// Claims and runs tasks of `generation` until none is left.
    private func claimTasks(generation: Int) {
        var current = state.load(ordering: .acquiring)
        while current >> 32 == generation {
            let task = current & 0xFFFF_FFFF
            // `tasks` and `job` are read only after a successful claim: the job cannot end before
            // its claimed tasks complete, so they still belong to this generation.
            guard task < tasks else { return }
            let (exchanged, seen) = state.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                job?(task)
                completed.add(1, ordering: .releasing)
                current += 1
            } else {
                current = seen
            }
        }
    }

    /// One idle poll: a CPU pause at first, then yielding the core, so that a busy machine (more
    /// runnable threads than cores) still schedules the thread being waited for.
    @inline(__always)
    static func backOff(_ polls: inout Int) {
        polls += 1
        if polls < pausePolls { echox_spin_pause() } else { sched_yield() }
    }

    /// Ends the helper threads once they are idle (a pool that is no longer needed).
    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        condition.lock(); condition.broadcast(); condition.unlock()
    }

    private func helperLoop() {
        ParallelRegion.enter()
        var seen = 0
        while !stopped.load(ordering: .relaxed) {
            var polls = 0
            while state.load(ordering: .acquiring) >> 32 == seen && !stopped.load(ordering: .relaxed) {
                if polls < SpinningPool.idlePolls { SpinningPool.backOff(&polls); continue }
                sleepers.add(1, ordering: .sequentiallyConsistent)
                condition.lock()
                while state.load(ordering: .sequentiallyConsistent) >> 32 == seen && !stopped.load(ordering: .sequentiallyConsistent) {
                    condition.wait()
                }
                condition.unlock()
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
            }
            seen = state.load(ordering: .acquiring) >> 32
            claimTasks(generation: seen)
        }
    }
}
