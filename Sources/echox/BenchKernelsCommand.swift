import ArgumentParser
import Formats
import Foundation
import Tensor

/// `echox bench kernels`: matrix-vector throughput of each compact weight format, from cache and
/// from memory, on one core and on all cores — the numbers behind decode speed.
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Matrix-vector throughput (G values/s and GB/s) of the kernels of the formats the workbench can encode (F32, F16, Q8_0, Q4_1).")

    @Option(help: "Columns (input size) of every matrix.") var cols = 576
    @Option(help: "Rows of the small matrix that stays in cache.") var cachedRows = 1536
    @Option(help: "Rows of the large matrix that streams from memory.") var streamedRows = 49_152
    @Option(help: "Seconds per measurement.") var seconds = 0.5

    func validate() throws {
        guard cols > 0, cols % 32 == 0 else { throw ValidationError("--cols must be a positive multiple of 32") }
        guard cachedRows > 0, streamedRows > 0 else { throw ValidationError("row counts must be positive") }
    }

    func run() throws {
        var rng = SeededRandom(seed: 3)
        let x = (0..<cols).map { _ in Float(rng.normal()) }
        print("type   rows     threads  G values/s  GB/s")
        for type in Quantize.supported {
            for rows in [cachedRows, streamedRows] {
                let w = QuantizedMatrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in Float(rng.normal()) }, type: type)
                for threads in Set([1, Parallelism.cores]).sorted() {
                    let rate = measure(w, x, threads: threads)
                    print(String(format: "%-6@ %-8d %-8d %-11.2f %.2f", "\(type)", rows, threads,
                                 rate / 1e9, rate * Double(w.rowBytes) / Double(cols) / 1e9))
                }
            }
        }
        // The hand-off the decode kernels pay per product: one job of empty tasks on the shared pool.
        let pool = SpinningPool.shared, clock = ContinuousClock(), n = 20_000
        let t0 = clock.now
        for _ in 0..<n { pool.run(tasks: 2 * pool.width) { _ in } }
        print(String(format: "empty parallel region: %.2f µs", (clock.now - t0).inSeconds * 1e6 / Double(n)))
    }

    /// Values per second of `w.matvec` with `threads` workers.
    private func measure(_ w: QuantizedMatrix, _ x: [Float], threads: Int) -> Double {
        let saved = Parallelism.cores
        Parallelism.cores = threads
        defer { Parallelism.cores = saved }
        var y = [Float](repeating: 0, count: w.rows)
        let clock = ContinuousClock()
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { w.matvec(xp.baseAddress!, $0.baseAddress!) } }
        var calls = 0
        let start = clock.now
        var elapsed = 0.0
        while elapsed < seconds {
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { w.matvec(xp.baseAddress!, $0.baseAddress!) } }
            calls += 1
            elapsed = (clock.now - start).inSeconds
        }
        return Double(calls * w.rows * w.cols) / elapsed
    }
}
