import Tensor

// MARK: - y = W·x and Y = X·Wᵀ with float32 activations

extension QuantizedMatrix {
    /// Below this many stored values a product runs on one thread (the hand-off costs more).
    static let parallelThreshold = 65_536

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
            pool.run(tasks: tasks) { w in
                // Task w takes rows [w·chunk, (w+1)·chunk) of the products' rows laid end to end.
                var start = w * chunk, end = min(totalRows, start + chunk), offset = 0
                for (m, y) in products where start < end {
                    let local = start - offset
                    if local < m.rows {
                        let stop = min(m.rows, end - offset)
                        m.dotRows(local, stop, input, y)
                        start = offset + stop
                    }
                    offset += m.rows
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
