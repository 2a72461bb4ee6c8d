import Tensor

// MARK: - 1-D convolution module

/// 1-D convolution over [B, Cin, T] inputs (PyTorch layout), weight [Cout, Cin, K], groups = 1.
public final class Conv1d: Module {
    public var weight: Tensor   // [Cout, Cin, K]
    public var bias: Tensor?    // [Cout]
    public let stride: Int
    public let padding: Int
    public let dilation: Int

    /// PyTorch's default initialisation: weight and bias U(−1/√(Cin·K), 1/√(Cin·K)).
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, bias: Bool = true, rng: inout SeededRandom) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0 && dilation > 0,
                     "invalid Conv1d configuration")
        let fanIn = inChannels * kernelSize
        weight = Init.kaimingUniform([outChannels, inChannels, kernelSize], fanIn: fanIn, rng: &rng)
        self.bias = bias ? Init.kaimingUniform([outChannels], fanIn: fanIn, rng: &rng) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv1d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation)
    }
}

// MARK: - Op: im2col + gemm (forward and backward side by side)

extension Tensor {
    /// Output length of a 1-D convolution: ⌊(T + 2P − D(K − 1) − 1) / S⌋ + 1.
    public static func conv1dOutputLength(_ t: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int {
        (t + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
    }

    /// Convolution of this [B, Cin, T] tensor with `weight` [Cout, Cin, K]: result [B, Cout, Tout].
    /// Each item is unfolded to columns [Cin·K, Tout] (kept for the backward pass) and multiplied by
    /// the weight as a [Cout, Cin·K] matrix.
    public func conv1d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1) -> Tensor {
        precondition(rank == 3 && weight.rank == 3 && weight.shape[1] == shape[1],
                     "conv1d needs input [B, Cin, T] and weight [Cout, Cin, K], got \(shape) and \(weight.shape)")
        let (b, cin, t) = (shape[0], shape[1], shape[2])
        let (cout, k) = (weight.shape[0], weight.shape[2])
        precondition(bias.map { $0.shape == [cout] } ?? true, "conv1d bias must be [\(cout)]")
        let tout = Tensor.conv1dOutputLength(t, kernel: k, stride: stride, padding: padding, dilation: dilation)
        precondition(tout >= 1, "conv1d input of length \(t) is shorter than the dilated kernel \(dilation * (k - 1) + 1)")
        let rowsK = cin * k, colCount = rowsK * tout
        let columns = TensorStorage(uninitializedCount: b * colCount)   // [B, Cin·K, Tout]
        let px = data, pcol = columns.base

        // Column (ci·K + j, to) reads x[ci, to·S − P + j·D], zero outside the input.
        // Per tap (ci, j): the output positions `valid` that read inside the input, and the first input
        // position they read; the rest of the row is padding.
        func forEachTap(_ body: (_ row: Int, _ valid: Range<Int>, _ firstSource: Int) -> Void) {
            for ci in 0..<cin {
                for j in 0..<k {
                    let offset = j * dilation - padding
                    let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
                    let last = t - 1 - offset < 0 ? -1 : (t - 1 - offset) / stride
                    let valid = Swift.min(first, tout)..<Swift.max(Swift.min(first, tout), Swift.min(last + 1, tout))
                    body(ci * k + j, valid, ci * t + valid.lowerBound * stride + offset)
                }
            }
        }
        let out = Tensor.empty([b, cout, tout]), po = out.data, pw = weight.data
        for i in 0..<b {
            let x = px + i * cin * t, col = pcol + i * colCount
            forEachTap { row, valid, first in
                let c = col + row * tout
                c.update(repeating: 0, count: valid.lowerBound)
                if stride == 1 { (c + valid.lowerBound).update(from: x + first, count: valid.count) }
                else { for (n, to) in valid.enumerated() { c[to] = x[first + n * stride] } }
                (c + valid.upperBound).update(repeating: 0, count: tout - valid.upperBound)
            }
            gemm(transA: false, transB: false, m: cout, n: tout, k: rowsK, pw, lda: rowsK, col, ldb: tout,
                 po + i * cout * tout, ldc: tout)
            if let bias {
                for o in 0..<cout {
                    let y = po + (i * cout + o) * tout, v = bias.data[o]
                    for to in 0..<tout { y[to] += v }
                }
            }
        }

        let parents = [self, weight] + (bias.map { [$0] } ?? [])
        return Tensor.result(out, parents: parents) { g in
            let pg = g.data, pcol = columns.base
            if weight.requiresGrad {
                // dW = Σ_b g[b] · colsᵀ
                let gw = Tensor.empty(weight.shape)
                for i in 0..<b {
                    gemm(transA: false, transB: true, m: cout, n: rowsK, k: tout, pg + i * cout * tout, lda: tout,
                         pcol + i * colCount, ldb: tout, beta: i == 0 ? 0 : 1, gw.data, ldc: rowsK)
                }
                weight.accumulateGrad(gw)
            }
            if let bias, bias.requiresGrad {
                let gb = Tensor(zeros: [cout])
                for i in 0..<b { for o in 0..<cout { gb.data[o] += Kernels.sum(pg + (i * cout + o) * tout, count: tout) } }
                bias.accumulateGrad(gb)
            }
            if self.requiresGrad {
                // dcols = Wᵀ · g[b], folded back onto the input positions they were read from.
                let gx = Tensor(zeros: self.shape), scratch = TensorStorage(uninitializedCount: colCount)
                for i in 0..<b {
                    let dcol = scratch.base
                    gemm(transA: true, transB: false, m: rowsK, n: tout, k: cout, pw, lda: rowsK,
                         pg + i * cout * tout, ldb: tout, dcol, ldc: tout)
                    let dx = gx.data + i * cin * t
                    forEachTap { row, valid, first in
                        let c = dcol + row * tout
                        for (n, to) in valid.enumerated() { dx[first + n * stride] += c[to] }
                    }
                }
                self.accumulateGrad(gx)
            }
        }
    }
}
