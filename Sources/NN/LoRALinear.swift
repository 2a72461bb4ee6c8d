import Tensor

// MARK: - A linear layer with its LoRA update as one op (forward and backward side by side)

extension Tensor {
    /// x[…, in] · Wᵀ + bias + scale · (x · Aᵀ) · Bᵀ with W [out, in], A [rank, in], B [out, rank].
    ///
    /// The same values as the three products, two additions and a scaling written out, in one output
    /// buffer: the update is added by the product itself (beta = 1), and the backward pass adds
    /// x's two input gradients into one buffer, so no [N, out] temporaries are made or read again.
    public func linear(_ weight: Tensor, bias: Tensor?, loraA a: Tensor, loraB b: Tensor, scale: Float) -> Tensor {
        let x = self
        let (outF, inF, rank) = (weight.shape[0], weight.shape[1], a.shape[0])
        precondition(weight.rank == 2 && x.shape.last == inF, "linear: input \(x.shape) against weight \(weight.shape)")
        precondition(a.shape == [rank, inF] && b.shape == [outF, rank], "LoRA A \(a.shape) and B \(b.shape) do not fit weight \(weight.shape)")
        if let bias { precondition(bias.shape == [outF], "bias \(bias.shape) against \(outF) outputs") }
        let rows = x.count / inF
        let y = Tensor.empty(Array(x.shape.dropLast()) + [outF])   // [N, out]
        let u = Tensor.empty([rows, rank])                            // x · Aᵀ, kept for the backward pass
        let (px, pw, pa, pb, py) = (x.data, weight.data, a.data, b.data, y.data)
        if let bias {
            for r in 0..<rows { (py + r * outF).update(from: bias.data, count: outF) }
        }
        gemm(transA: false, transB: true, m: rows, n: outF, k: inF, px, lda: inF, pw, ldb: inF, beta: bias == nil ? 0 : 1, py, ldc: outF)
        gemm(transA: false, transB: true, m: rows, n: rank, k: inF, px, lda: inF, pa, ldb: inF, u.data, ldc: rank)
        gemm(transA: false, transB: true, m: rows, n: outF, k: rank, alpha: scale, u.data, lda: rank, pb, ldb: rank, beta: 1, py, ldc: outF)
        return Tensor.result(y, parents: [x, weight, a, b] + (bias.map { [$0] } ?? [])) { g in
            let pg = g.data, pu = u.data   // the closure holds u, so its storage outlives the forward pass
            // dU = scale · g · B [N, rank], needed by A and by x.
            var du: Tensor?
            if a.requiresGrad || x.requiresGrad {
                let t = Tensor.empty([rows, rank])
                gemm(transA: false, transB: false, m: rows, n: rank, k: outF, alpha: scale, pg, lda: outF, pb, ldb: rank, t.data, ldc: rank)
                du = t
            }
            b.accumulateGrad { pgb, beta in   // dB = scale · gᵀ · U
                gemm(transA: true, transB: false, m: outF, n: rank, k: rows, alpha: scale, pg, lda: outF, pu, ldb: rank, beta: beta, pgb, ldc: rank)
            }
            if let du {
                a.accumulateGrad { pga, beta in   // dA = dUᵀ · x
                    gemm(transA: true, transB: false, m: rank, n: inF, k: rows, du.data, lda: rank, px, ldb: inF, beta: beta, pga, ldc: inF)
                }
                x.accumulateGrad { pgx, beta in   // dx = g · W + dU · A
                    gemm(transA: false, transB: false, m: rows, n: inF, k: outF, pg, lda: outF, pw, ldb: inF, beta: beta, pgx, ldc: inF)
                    gemm(transA: false, transB: false, m: rows, n: inF, k: rank, du.data, lda: rank, pa, ldb: inF, beta: 1, pgx, ldc: inF)
                }
            }
            weight.accumulateGrad { pgw, beta in   // dW = gᵀ · x (a base weight that still trains)
                gemm(transA: true, transB: false, m: outF, n: inF, k: rows, pg, lda: outF, px, ldb: inF, beta: beta, pgw, ldc: inF)
            }
            if let bias, bias.requiresGrad {
                let sums = Tensor(zeros: [outF])
                for r in 0..<rows { Kernels.add(sums.data, pg + r * outF, into: sums.data, count: outF) }
                bias.accumulateGrad(sums)
            }
        }
    }
}
