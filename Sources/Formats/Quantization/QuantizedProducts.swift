import Tensor

// MARK: - y = W·x and Y = X·Wᵀ with float32 activations

extension QuantizedMatrix {
    /// Below this many stored values a product runs on one thread (the hand-off costs more).
    static let parallelThreshold = 65_536
    /// Inputs of a batch product multiplied together per pass over a task's rows (their activations
    /// stay in the L1 cache; eight and sixteen measured alike on SmolLM2 with sixteen sequences).
    nonisolated(unsafe) public static var batchGroup = 8

    /// y[rows] = W · x[cols], float32 activations and sums; rows are split over the cores.
    public func matvec(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        QuantizedMatrix.matvec(x, [(self, y)])
    }

    /// yᵢ = Wᵢ · x for matrices with the same input size (e.g. the query, key and value
    /// projections), in one parallel region; the activations are prepared once per weight type.
    public static func matvec(_ x: UnsafePointer<Float>, _ products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)]) {
        guard let first = products.first?.matrix else { return }
        precondition(products.allSatisfy { $0.matrix.cols == first.cols }, "matrices of one matvec must have the same input size")
        guard products.allSatisfy({ $0.matrix.type == first.type }) else {
            for p in products { matvec(x, [p]) }
            return
        }
        let cols = first.cols, blocks = cols / 32, totalRows = products.reduce(0) { $0 + $1.matrix.rows }
        let nibbles = NibblePairs.holds(first.type)
        // Scratch on the stack: the activations in the Q4 kernel's order.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: nibbles ? NibbleActivations.scratchCount(blocks: blocks) : 1) { scratch in
            var input = x
            if nibbles {
                NibbleActivations.prepare(x, blocks: blocks, type: first.type, into: scratch.baseAddress!)
                input = UnsafePointer(scratch.baseAddress!)
            }
            // Twice as many tasks as threads, claimed as they come: a thread that is late or slow does fewer.
            let pool = SpinningPool.shared
            let tasks = totalRows * cols >= parallelThreshold && pool.width > 1 ? min(2 * pool.width, totalRows) : 1
            let chunk = (totalRows + tasks - 1) / tasks
            let sizes = products.lazy.map(\.matrix.rows)
            pool.run(tasks: tasks) { w in
                // Task w takes rows [w·chunk, (w+1)·chunk) of the products' rows laid end to end.
                forEachPart(of: min(totalRows, w * chunk)..<min(totalRows, (w + 1) * chunk), sizes: sizes) { i, rows, _ in
                    products[i].matrix.dotRows(rows.lowerBound, rows.upperBound, input, products[i].y)
                }
            }
        }
    }

    /// yᵢ[b] = Wᵢ · x[b] for several inputs at once (the sequences of a batch): each task reads a
    /// weight row once from memory and takes it from the cache for the other inputs, so one pass over
    /// the weights serves every input. Each yᵢ[b] is bit for bit what `matvec(x[b], …)` gives.
    public static func matvec(batch xs: [UnsafePointer<Float>], _ products: [(matrix: QuantizedMatrix, ys: [UnsafeMutablePointer<Float>])]) {
        guard let first = products.first?.matrix, !xs.isEmpty else { return }
        precondition(products.allSatisfy { $0.matrix.cols == first.cols }, "matrices of one matvec must have the same input size")
        precondition(products.allSatisfy { $0.ys.count == xs.count }, "every product needs one output per input")
        guard products.allSatisfy({ $0.matrix.type == first.type }) else {
            for p in products { matvec(batch: xs, [p]) }
            return
        }
        let cols = first.cols, blocks = cols / 32, totalRows = products.reduce(0) { $0 + $1.matrix.rows }
        let nibbles = NibblePairs.holds(first.type)
        let stride = nibbles ? NibbleActivations.scratchCount(blocks: blocks) : 0
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, stride * xs.count)) { scratch in
            var inputs = xs
            if nibbles {
                for (b, x) in xs.enumerated() {
                    NibbleActivations.prepare(x, blocks: blocks, type: first.type, into: scratch.baseAddress! + b * stride)
                    inputs[b] = UnsafePointer(scratch.baseAddress! + b * stride)
                }
            }
            let pool = SpinningPool.shared
            let tasks = totalRows * cols >= parallelThreshold && pool.width > 1 ? min(2 * pool.width, totalRows) : 1
            let chunk = (totalRows + tasks - 1) / tasks
            let sizes = products.lazy.map(\.matrix.rows)
            inputs.withUnsafeBufferPointer { inputs in
                pool.run(tasks: tasks) { w in
                    forEachPart(of: min(totalRows, w * chunk)..<min(totalRows, (w + 1) * chunk), sizes: sizes) { i, rows, _ in
                        products[i].ys.withUnsafeBufferPointer { ys in
                            products[i].matrix.dotRows(rows.lowerBound, rows.upperBound, inputs, ys)
                        }
                    }
                }
            }
        }
    }

    /// For a range of rows of matrices laid end to end (`sizes` rows each), calls `body(i, rows, offset)`
    /// with each matrix i it meets, its rows in the range, and the matrix's first row in that order.
    static func forEachPart<Sizes: Sequence<Int>>(of range: Range<Int>, sizes: Sizes, _ body: (Int, Range<Int>, Int) -> Void) {
        var offset = 0
        for (i, size) in sizes.enumerated() {
            let lower = max(range.lowerBound - offset, 0), upper = min(range.upperBound - offset, size)
            if lower < upper { body(i, lower..<upper, offset) }
            offset += size
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

    /// ys[b][r] for r in start..<end and every input b, inputs prepared for the kernel (see `matvec(batch:_:)`):
    /// quantised rows are expanded once for all inputs (`RowDot` batch kernels).
    @inline(__always)
    private func dotRows(_ start: Int, _ end: Int, _ xs: UnsafeBufferPointer<UnsafePointer<Float>>,
                         _ ys: UnsafeBufferPointer<UnsafeMutablePointer<Float>>) {
        let blocks = cols / 32, n = xs.count
        if n == 1 { return dotRows(start, end, xs[0], ys[0]) }
        // Inputs in groups that stay in the L1 cache; each group passes over the task's rows (which stay
        // in L2), four inputs at a time with their sums in registers, the rest with sums in memory.
        let group = QuantizedMatrix.batchGroup
        switch type {
        case .q4_0, .q4_1:
            withUnsafeTemporaryAllocation(of: Lanes8.self, capacity: 2 * group) { acc in
                let pairs = (blocks + 1) / 2
                for g in stride(from: 0, to: n, by: group) {
                    let m = min(group, n - g), quads = m / 4 * 4
                    for r in start..<end {
                        let w = rowPointer(r)
                        for b in stride(from: g, to: g + quads, by: 4) {
                            let y = RowDot.q4(w, UnsafeRawPointer(xs[b]), UnsafeRawPointer(xs[b + 1]), UnsafeRawPointer(xs[b + 2]),
                                              UnsafeRawPointer(xs[b + 3]), pairs: pairs)
                            (ys[b][r], ys[b + 1][r], ys[b + 2][r], ys[b + 3][r]) = y
                        }
                    }
                    guard quads < m else { continue }
                    let gx = UnsafeBufferPointer(rebasing: xs[(g + quads)..<(g + m)]), gy = UnsafeBufferPointer(rebasing: ys[(g + quads)..<(g + m)])
                    for r in start..<end { RowDot.q4(rowPointer(r), gx, pairs: pairs, row: r, gy, acc: acc.baseAddress!) }
                }
            }
        case .q8_0:
            withUnsafeTemporaryAllocation(of: Lanes8.self, capacity: group) { acc in
                for g in stride(from: 0, to: n, by: group) {
                    let m = min(group, n - g), quads = m / 4 * 4
                    for r in start..<end {
                        let w = rowPointer(r)
                        for b in stride(from: g, to: g + quads, by: 4) {
                            let y = RowDot.q8_0(w, UnsafeRawPointer(xs[b]), UnsafeRawPointer(xs[b + 1]), UnsafeRawPointer(xs[b + 2]),
                                                UnsafeRawPointer(xs[b + 3]), blocks: blocks)
                            (ys[b][r], ys[b + 1][r], ys[b + 2][r], ys[b + 3][r]) = y
                        }
                    }
                    guard quads < m else { continue }
                    let gx = UnsafeBufferPointer(rebasing: xs[(g + quads)..<(g + m)]), gy = UnsafeBufferPointer(rebasing: ys[(g + quads)..<(g + m)])
                    for r in start..<end { RowDot.q8_0(rowPointer(r), gx, blocks: blocks, row: r, gy, acc: acc.baseAddress!) }
                }
            }
        case .f16:
            for r in start..<end { let w = rowPointer(r); for b in 0..<n { ys[b][r] = RowDot.f16(w, xs[b], cols: cols) } }
        default:
            for r in start..<end { let w = rowPointer(r); for b in 0..<n { ys[b][r] = RowDot.f32(w, xs[b], cols: cols) } }
        }
    }

    /// y[r] for r in start..<end, with `x` prepared for the kernel (see `matvec`).
    @inline(__always)
    private func dotRows(_ start: Int, _ end: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let blocks = cols / 32
        switch type {
        case .q4_0, .q4_1: for r in start..<end { y[r] = RowDot.q4(rowPointer(r), x, pairs: (blocks + 1) / 2) }
        case .q8_0: for r in start..<end { y[r] = RowDot.q8_0(rowPointer(r), x, blocks: blocks) }
        case .f16: for r in start..<end { y[r] = RowDot.f16(rowPointer(r), x, cols: cols) }
        default: for r in start..<end { y[r] = RowDot.f32(rowPointer(r), x, cols: cols) }
        }
    }
}
