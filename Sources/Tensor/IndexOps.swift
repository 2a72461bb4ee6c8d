// MARK: - Gather, index-select and masking (forward and backward side by side)

extension Tensor {
    /// Rows of this [N, C] table picked by `ids` (any shape S): result [S…, C].
    public func embedding(_ ids: [Int32], shape idShape: [Int]) -> Tensor {
        precondition(rank == 2, "embedding table must be [N, C], got \(shape)")
        precondition(ids.count == idShape.reduce(1, *), "\(ids.count) ids for shape \(idShape)")
        let (rows, c) = (shape[0], shape[1])
        let out = Tensor.empty(idShape + [c])
        for (i, id) in ids.enumerated() {
            precondition(id >= 0 && Int(id) < rows, "token id \(id) outside the table of \(rows) rows")
            (out.data + i * c).update(from: data + Int(id) * c, count: c)
        }
        return Tensor.result(out, parents: [self]) { g in
            let gt = Tensor(zeros: self.shape)
            for (i, id) in ids.enumerated() {
                Kernels.axpy(1, g.data + i * c, gt.data + Int(id) * c, count: c)
            }
            self.accumulateGrad(gt)
        }
    }

    /// Entries `indices` of dimension `axis`, in that order (repeats allowed).
    public func indexSelect(axis: Int, _ indices: [Int]) -> Tensor {
        let (outer, n, inner) = axisSplit(axis)
        precondition(indices.allSatisfy { $0 >= 0 && $0 < n }, "index out of range for axis of size \(n)")
        var outShape = shape
        outShape[normalizedAxis(axis)] = indices.count
        let out = Tensor.empty(outShape)
        let m = indices.count
        for o in 0..<outer {
            for (j, k) in indices.enumerated() {
                (out.data + (o * m + j) * inner).update(from: data + (o * n + k) * inner, count: inner)
            }
        }
        return Tensor.result(out, parents: [self]) { g in
            let gx = Tensor(zeros: self.shape)
            for o in 0..<outer {
                for (j, k) in indices.enumerated() {
                    Kernels.axpy(1, g.data + (o * m + j) * inner, gx.data + (o * n + k) * inner, count: inner)
                }
            }
            self.accumulateGrad(gx)
        }
    }

    /// Replaces the elements where `mask` (broadcast to this shape) is true with `value`.
    public func maskedFill(_ mask: Mask, _ value: Float) -> Tensor {
        let out = copy()
        let keep = Tensor.empty(shape) // 1 where the input passes through, for the backward
        let strides = Broadcast.strides(of: mask.shape, in: shape)
        Broadcast.forEachRow(shape, [strides]) { o, offs, st, n in
            var m = offs[0]
            for j in 0..<n {
                let hit = mask.values[m]
                if hit { out.data[o + j] = value }
                keep.data[o + j] = hit ? 0 : 1
                m += st[0]
            }
        }
        return Tensor.result(out, parents: [self]) { g in
            self.accumulateGrad(Autograd.noGrad { g * keep })
        }
    }
}

/// A boolean tensor used for masking (true = masked).
public struct Mask: Sendable {
    public var values: [Bool]
    public var shape: [Int]
    public init(_ values: [Bool], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) mask values for shape \(shape)")
        self.values = values
        self.shape = shape
    }

    /// [T, T] causal mask: position i may not see j > i.
    public static func causal(_ t: Int) -> Mask {
        Mask((0..<(t * t)).map { $0 % t > $0 / t }, shape: [t, t])
    }
}
