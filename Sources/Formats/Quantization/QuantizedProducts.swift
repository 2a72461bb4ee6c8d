import Dispatch
import Tensor

// MARK: - y = W·x and Y = X·Wᵀ with float32 activations

extension QuantizedMatrix {
    /// Below this many stored values a product runs on one thread (the hand-off costs more).
    static let parallelThreshold = 200_000

    /// y[rows] = W · x[cols], float32 activations and sums; rows are split over the cores.
    public func matvec(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let blocks = cols / 32
        // Scratch on the stack: the permuted activations, then the block sums.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: cols + blocks + 1) { scratch in
            let xp = scratch.baseAddress!, s = xp + cols
            activationOrder.permute(x, cols: cols, into: xp)
            if type == .q4_0 || type == .q4_1 { RowDot.blockSums(x, blocks: blocks, into: s) }
            let workers = rows * cols >= QuantizedMatrix.parallelThreshold ? min(Parallelism.cores, rows) : 1
            if workers <= 1 {
                dotRows(0, rows, xp, s, y)
            } else {
                let chunk = (rows + workers - 1) / workers
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let start = w * chunk, end = min(rows, start + chunk)
                    if start < end { dotRows(start, end, xp, s, y) }
                }
            }
        }
    }

    /// W · x for a float array of `cols` values.
    public func matvec(_ x: [Float]) -> [Float] {
        precondition(x.count == cols, "matvec needs \(cols) inputs, got \(x.count)")
        return [Float](unsafeUninitializedCapacity: rows) { y, n in
            if rows > 0 && cols > 0 { x.withUnsafeBufferPointer { matvec($0.baseAddress!, y.baseAddress!) } }
            else if rows > 0 { y.initialize(repeating: 0) }
            n = rows
        }
    }

    private var activationOrder: ActivationOrder {
        switch type {
        case .q4_0, .q4_1, .q8_0: return .interleaved
        default: return .natural
        }
    }

    /// y[r] for r in start..<end, with `x` already in `activationOrder`.
    @inline(__always)
    private func dotRows(_ start: Int, _ end: Int, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let blocks = cols / 32
        switch type {
        case .q4_1: for r in start..<end { y[r] = RowDot.q4_1(rowPointer(r), x, sums, blocks: blocks) }
        case .q4_0: for r in start..<end { y[r] = RowDot.q4_0(rowPointer(r), x, sums, blocks: blocks) }
        case .q8_0: for r in start..<end { y[r] = RowDot.q8_0(rowPointer(r), x, blocks: blocks) }
        case .f16: for r in start..<end { y[r] = RowDot.f16(rowPointer(r), x, cols: cols) }
        default: for r in start..<end { y[r] = RowDot.f32(rowPointer(r), x, cols: cols) }
        }
    }

    /// Y[n, rows] = X[n, cols] · Wᵀ (prefill): row tiles of W are dequantised into a float32
    /// scratch buffer and multiplied with `gemm`; a few inputs go through `matvec` instead.
    public func matmul(_ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>) {
        if n < 4 {
            for i in 0..<n { matvec(x + i * cols, y + i * rows) }
            return
        }
        if type == .f32 {
            gemm(transA: false, transB: true, m: n, n: rows, k: cols, x, lda: cols,
                 rowPointer(0).assumingMemoryBound(to: Float.self), ldb: cols, y, ldc: rows)
            return
        }
        let tile = max(1, min(rows, 1 << 18 / max(cols, 1)))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * cols)
        defer { scratch.deallocate() }
        var r0 = 0
        while r0 < rows {
            let count = min(tile, rows - r0)
            self.rows(r0..<r0 + count, into: scratch)
            gemm(transA: false, transB: true, m: n, n: count, k: cols, x, lda: cols, scratch, ldb: cols, y + r0, ldc: rows)
            r0 += count
        }
    }

    /// X · Wᵀ for a row-major float array [n, cols]; returns [n, rows].
    public func matmul(_ x: [Float], n: Int) -> [Float] {
        precondition(x.count == n * cols, "matmul needs \(n)×\(cols) inputs, got \(x.count) values")
        return [Float](unsafeUninitializedCapacity: n * rows) { y, count in
            if n * rows > 0 && cols > 0 { x.withUnsafeBufferPointer { matmul($0.baseAddress!, n: n, y.baseAddress!) } }
            else if n * rows > 0 { y.initialize(repeating: 0) }
            count = n * rows
        }
    }
}
