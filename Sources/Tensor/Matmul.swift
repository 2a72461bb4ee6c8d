import CBLAS

// MARK: - Matrix products through cblas_sgemm (forward and backward side by side)

/// C[M×N] = alpha · op(A) · op(B) + beta · C, row-major; op transposes without copying.
///
/// OpenBLAS runs single-threaded; large products are split here into row (or column) blocks
/// across the cores, so that BLAS and the elementwise loops share one pool of threads instead
/// of fighting over the cores with OpenBLAS's spinning workers.
@inline(__always)
public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                 _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    BLASThreads.configure()
    let work = m * n * k
    // Skinny products (a LoRA rank) cost less than waking a second thread.
    let parts = work >= 1 << 20 && min(m, n, k) >= 16 ? Parallelism.cores : 1
    if parts > 1 && m >= 2 * 16 && m >= n / 4 {
        // Split the rows of C (and of op(A)).
        parallelChunks(parts, minChunk: 1) { s, e in
            for p in s..<e {
                let rows = blockRange(p, parts: parts, total: m)
                guard !rows.isEmpty else { continue }
                let aOffset = transA ? rows.lowerBound : rows.lowerBound * lda
                sgemm(transA, transB, rows.count, n, k, alpha, a + aOffset, lda, b, ldb, beta, c + rows.lowerBound * ldc, ldc)
            }
        }
    } else if parts > 1 && n >= 2 * 16 {
        // Split the columns of C (and of op(B)).
        parallelChunks(parts, minChunk: 1) { s, e in
            for p in s..<e {
                let cols = blockRange(p, parts: parts, total: n)
                guard !cols.isEmpty else { continue }
                let bOffset = transB ? cols.lowerBound * ldb : cols.lowerBound
                sgemm(transA, transB, m, cols.count, k, alpha, a, lda, b + bOffset, ldb, beta, c + cols.lowerBound, ldc)
            }
        }
    } else {
        sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

/// x[rows, k] · wᵀ for row-major arrays, w [n, k] (e.g. a filterbank or a basis applied to frames);
/// returns [rows, n].
public func matmulTransposed(_ x: [Float], rows: Int, _ w: [Float], n: Int, k: Int) -> [Float] {
    precondition(x.count == rows * k && w.count == n * k, "matmulTransposed: \(x.count) and \(w.count) values are not [\(rows), \(k)] and [\(n), \(k)]")
    var out = [Float](repeating: 0, count: rows * n)
    guard rows > 0, n > 0, k > 0 else { return out }
    x.withUnsafeBufferPointer { xp in
        w.withUnsafeBufferPointer { wp in
            out.withUnsafeMutableBufferPointer { o in
                gemm(transA: false, transB: true, m: rows, n: n, k: k, xp.baseAddress!, lda: k, wp.baseAddress!, ldb: k, o.baseAddress!, ldc: n)
            }
        }
    }
    return out
}

/// Block `p` of `parts` near-equal blocks of `0..<total`, aligned to 16.
@inline(__always)
func blockRange(_ p: Int, parts: Int, total: Int) -> Range<Int> {
    let size = ((total + parts - 1) / parts + 15) / 16 * 16
    return min(total, p * size)..<min(total, (p + 1) * size)
}

@inline(__always)
func sgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
           _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
           _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

enum BLASThreads {
    static let once: Void = { openblas_set_num_threads(1) }()
    @inline(__always) static func configure() { _ = once }
}

extension Tensor {
    /// Batched matrix product of the last two dimensions: op(a)[…, M, K] · op(b)[…, K, N].
    /// Leading dimensions must be equal, or `b` must be a plain matrix shared by every batch.
    public func matmul(_ b: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        let a = self
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeSelf ? (ac, ar) : (ar, ac)
        let (kb, n) = transposeOther ? (bc, br) : (br, bc)
        precondition(k == kb, "matmul inner sizes differ: \(a.shape)\(transposeSelf ? "ᵀ" : "") · \(b.shape)\(transposeOther ? "ᵀ" : "")")
        let batchShape = Array(a.shape.dropLast(2))
        let batches = batchShape.reduce(1, *)
        let sharedB = b.rank == 2 && a.rank > 2
        precondition(sharedB || Array(b.shape.dropLast(2)) == batchShape, "matmul batch shapes differ: \(a.shape) and \(b.shape)")
        let out = Tensor.empty(batchShape + [m, n])
        let pa = a.data, pb = b.data, po = out.data
        let aStride = ar * ac, bStride = sharedB ? 0 : br * bc
        if sharedB && !transposeSelf {
            // One tall product: the batch folds into the rows of A.
            gemm(transA: false, transB: transposeOther, m: batches * m, n: n, k: k, pa, lda: ac, pb, ldb: bc, po, ldc: n)
        } else {
            for i in 0..<batches {
                gemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k,
                     pa + i * aStride, lda: ac, pb + i * bStride, ldb: bc, po + i * m * n, ldc: n)
            }
        }
        return Tensor.result(out, parents: [a, b]) { g in
            let pg = g.data
            if a.requiresGrad {
                a.accumulateGrad { pga, beta in
                    if sharedB && !transposeSelf { // dA = dC · op(B)ᵀ over all rows at once
                        gemm(transA: false, transB: !transposeOther, m: batches * ar, n: ac, k: n, pg, lda: n, pb, ldb: bc, beta: beta, pga, ldc: ac)
                    } else { for i in 0..<batches {
                        if transposeSelf { // dA = op(B) · dCᵀ
                            gemm(transA: transposeOther, transB: true, m: ar, n: ac, k: n,
                                 pb + i * bStride, lda: bc, pg + i * m * n, ldb: n, beta: beta, pga + i * aStride, ldc: ac)
                        } else {           // dA = dC · op(B)ᵀ
                            gemm(transA: false, transB: !transposeOther, m: ar, n: ac, k: n,
                                 pg + i * m * n, lda: n, pb + i * bStride, ldb: bc, beta: beta, pga + i * aStride, ldc: ac)
                        }
                    } }
                }
            }
            if b.requiresGrad {
                b.accumulateGrad { pgb, beta in
                    if sharedB && !transposeSelf {
                        if transposeOther { // dB = dCᵀ · A over all rows
                            gemm(transA: true, transB: false, m: br, n: bc, k: batches * m, pg, lda: n, pa, ldb: ac, beta: beta, pgb, ldc: bc)
                        } else {            // dB = Aᵀ · dC over all rows
                            gemm(transA: true, transB: false, m: br, n: bc, k: batches * m, pa, lda: ac, pg, ldb: n, beta: beta, pgb, ldc: bc)
                        }
                    } else {
                        for i in 0..<batches {
                            // A shared B sums the products of every batch.
                            let betaI: Float = sharedB && i > 0 ? 1 : beta
                            let pgbI = pgb + (sharedB ? 0 : i * bStride)
                            if transposeOther { // dB = dCᵀ · op(A)
                                gemm(transA: true, transB: transposeSelf, m: br, n: bc, k: m,
                                     pg + i * m * n, lda: n, pa + i * aStride, ldb: ac, beta: betaI, pgbI, ldc: bc)
                            } else {            // dB = op(A)ᵀ · dC
                                gemm(transA: !transposeSelf, transB: false, m: br, n: bc, k: m,
                                     pa + i * aStride, lda: ac, pg + i * m * n, ldb: n, beta: betaI, pgbI, ldc: bc)
                            }
                        }
                    }
                }
            }
        }
    }

    /// x[…, in] · weightᵀ + bias, with weight stored [out, in] as in PyTorch checkpoints.
    public func linear(_ weight: Tensor, bias: Tensor? = nil) -> Tensor {
        let y = matmul(weight, transposeOther: true)
        guard let bias else { return y }
        return y + bias
    }
}

// MARK: - Shape-only reshaping that a 2-D matmul needs

extension Tensor {
    /// The same values in another shape (shares storage); one dimension may be -1.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            s[i] = count / known
        }
        precondition(s.reduce(1, *) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        let out = Tensor(shape: s, storage: storage)
        return Tensor.result(out, parents: [self]) { g in self.accumulateGrad(g) }
    }
}
