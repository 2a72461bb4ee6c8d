import Tensor

// MARK: - Y = X·Wᵀ for many rows of X (prefill, scoring)

extension QuantizedMatrix {
    /// Floats of expanded panels a thread keeps at once (384 KB, within a core's L2 cache).
    static let panelBudget = 96 * 1024
    /// Input values multiplied per pass over the rows of X (longer inputs are cut in slices).
    static let sliceLimit = 1024
    /// Below this many rows of X, products read the compact weights row by row (`matvec`).
    static let matvecBelowRows = 16

    /// Y[n, rows] = X[n, cols] · Wᵀ, rows of X `lda` apart.
    public func matmul(_ x: UnsafePointer<Float>, lda: Int? = nil, n: Int, _ y: UnsafeMutablePointer<Float>) {
        QuantizedMatrix.matmul(x, lda: lda ?? cols, n: n, [self], into: y, ldy: rows, accumulate: false)
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

    /// Y[n, Σ rows] = X[n, cols] · [W₁; W₂; …]ᵀ for matrices with the same input size, their outputs
    /// side by side in each row of Y (row stride `ldy`), added to Y when `accumulate`.
    ///
    /// The output columns are split into tasks for the cores. A task expands a block of its weight
    /// rows, sixteen at a time, straight into the packed panels of `PanelProduct` and multiplies
    /// every row of X by the block before expanding the next, so the weights are read once, in their
    /// compact form, and no float32 copy of a whole matrix is made. A few rows go through `matvec`.
    public static func matmul(_ x: UnsafePointer<Float>, lda: Int, n: Int, _ matrices: [QuantizedMatrix],
                              into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool) {
        guard let first = matrices.first, n > 0 else { return }
        let cols = first.cols, total = matrices.reduce(0) { $0 + $1.rows }
        precondition(matrices.allSatisfy { $0.cols == cols }, "matrices of one product must have the same input size")
        precondition(ldy >= total && lda >= cols, "row strides \(lda), \(ldy) are shorter than the rows (\(cols), \(total))")
        if n < matvecBelowRows {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: accumulate ? total : 0) { sum in
                for i in 0..<n {
                    let row = accumulate ? sum.baseAddress! : y + i * ldy
                    var products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)] = [], offset = 0
                    for m in matrices { products.append((m, row + offset)); offset += m.rows }
                    matvec(x + i * lda, products)
                    if accumulate { for j in 0..<total { y[i * ldy + j] += row[j] } }
                }
            }
            return
        }
        // Tasks of whole panels, four per thread, claimed as they come: a thread that is slowed
        // down (a busy core, a virtual machine's neighbours) does fewer.
        let pool = SpinningPool.shared
        let panels = (total + PanelProduct.width - 1) / PanelProduct.width
        let tasks = n * total * cols >= 1 << 20 && pool.width > 1 ? min(4 * pool.width, panels) : 1
        let share = (panels + tasks - 1) / tasks * PanelProduct.width
        let sizes = matrices.lazy.map(\.rows)
        pool.run(tasks: tasks) { task in
            // The task's output columns, over the matrices laid end to end.
            forEachPart(of: min(total, task * share)..<min(total, (task + 1) * share), sizes: sizes) { i, rows, offset in
                matrices[i].multiplyRows(rows, x, lda: lda, n: n, into: y + offset, ldy: ldy, accumulate: accumulate)
            }
        }
    }

    /// Y[n, range] (+)= X · W[range]ᵀ on this thread, a block of panels at a time.
    private func multiplyRows(_ range: Range<Int>, _ x: UnsafePointer<Float>, lda: Int, n: Int,
                              into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool) {
        let width = PanelProduct.width
        let blockRows = max(width, QuantizedMatrix.panelBudget / max(cols, 1) / width * width)
        let slices = (cols + QuantizedMatrix.sliceLimit - 1) / QuantizedMatrix.sliceLimit
        let slice = ((cols + slices - 1) / slices + 7) / 8 * 8
        // Scratch: sixteen expanded rows, then the block's panels (slice by slice, each [slice][16] per panel).
        let expanded = ThreadScratch.floats(width * cols + blockRows * cols)
        let panels = expanded + width * cols
        var r0 = range.lowerBound
        while r0 < range.upperBound {
            let count = min(blockRows, range.upperBound - r0), panelCount = (count + width - 1) / width
            for q in 0..<panelCount {
                let rows = min(width, count - q * width)
                let source: UnsafePointer<Float>
                if type == .f32 {
                    source = rowPointer(r0 + q * width).assumingMemoryBound(to: Float.self)
                } else {
                    for r in 0..<rows { row(r0 + q * width + r, into: expanded + r * cols) }
                    source = UnsafePointer(expanded)
                }
                var k0 = 0
                while k0 < cols {
                    let k = min(slice, cols - k0)
                    PanelProduct.pack(rows: source, ld: cols, count: rows, k0: k0, k: k,
                                      into: panels + k0 * panelCount * width + q * k * width)
                    k0 += k
                }
            }
            var k0 = 0
            while k0 < cols {
                let k = min(slice, cols - k0)
                PanelProduct.multiply(m: n, k: k, cols: count, x + k0, lda: lda, panels: panels + k0 * panelCount * width,
                                      y + r0, ldc: ldy, accumulate: accumulate || k0 > 0)
                k0 += k
            }
            r0 += count
        }
    }
}
