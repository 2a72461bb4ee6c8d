// MARK: - Layout ops: permute, concat, slice, pad (forward and backward side by side)

extension Tensor {
    /// Dimensions reordered: result dimension i is this tensor's dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "permutation \(order) does not fit rank \(rank)")
        if order == Array(0..<rank) { return reshaped(shape) }
        let outShape = order.map { shape[$0] }
        var inStrides = Array(repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * shape[d + 1] }
        let gathered = order.map { inStrides[$0] }
        let out = Tensor.empty(outShape)
        let src = data, dst = out.data
        Broadcast.forEachRow(outShape, [gathered]) { o, offs, st, n in
            var i = offs[0]
            let s = st[0]
            for j in 0..<n { dst[o + j] = src[i]; i += s }
        }
        var inverse = Array(repeating: 0, count: rank)
        for (i, d) in order.enumerated() { inverse[d] = i }
        return Tensor.result(out, parents: [self]) { g in
            self.accumulateGrad(Autograd.noGrad { g.permuted(inverse) })
        }
    }

    /// Swaps two dimensions (copies).
    public func transposed(_ d0: Int = -2, _ d1: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizedAxis(d0), normalizedAxis(d1))
        return permuted(order)
    }

    /// `length` entries of dimension `axis` starting at `start`.
    public func slice(axis: Int, start: Int, length: Int) -> Tensor {
        let (outer, n, inner) = axisSplit(axis)
        precondition(start >= 0 && length >= 0 && start + length <= n, "slice \(start)..<\(start + length) out of range for axis of size \(n)")
        var outShape = shape
        outShape[normalizedAxis(axis)] = length
        let out = Tensor.empty(outShape)
        let src = data, dst = out.data
        for o in 0..<outer {
            (dst + o * length * inner).update(from: src + (o * n + start) * inner, count: length * inner)
        }
        return Tensor.result(out, parents: [self]) { g in
            let gx = Tensor(zeros: self.shape), pg = g.data, pgx = gx.data
            for o in 0..<outer {
                (pgx + (o * n + start) * inner).update(from: pg + o * length * inner, count: length * inner)
            }
            self.accumulateGrad(gx)
        }
    }

    /// Splits dimension `axis` into consecutive pieces of the given sizes.
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        precondition(sizes.reduce(0, +) == size(axis), "split sizes \(sizes) do not add up to \(size(axis))")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return slice(axis: axis, start: start, length: n)
        }
    }

    /// Joins tensors along `axis`; every other dimension must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat of no tensors")
        let first = parts[0]
        let a = first.normalizedAxis(axis)
        for p in parts {
            precondition(p.rank == first.rank && p.shape.enumerated().allSatisfy { $0.offset == a || $0.element == first.shape[$0.offset] },
                         "concat along \(axis): shape \(p.shape) does not fit \(first.shape)")
        }
        let lengths = parts.map { $0.shape[a] }
        let total = lengths.reduce(0, +)
        var outShape = first.shape
        outShape[a] = total
        let outer = first.shape[..<a].reduce(1, *), inner = first.shape[(a + 1)...].reduce(1, *)
        let out = Tensor.empty(outShape)
        var offset = 0
        for (p, n) in zip(parts, lengths) {
            for o in 0..<outer {
                (out.data + (o * total + offset) * inner).update(from: p.data + o * n * inner, count: n * inner)
            }
            offset += n
        }
        return result(out, parents: parts) { g in
            var offset = 0
            for (p, n) in zip(parts, lengths) {
                if p.requiresGrad {
                    let gp = Tensor.empty(p.shape)
                    for o in 0..<outer {
                        (gp.data + o * n * inner).update(from: g.data + (o * total + offset) * inner, count: n * inner)
                    }
                    p.accumulateGrad(gp)
                }
                offset += n
            }
        }
    }

    /// Pads dimension `axis` with `before` and `after` entries of `value`.
    public func padded(axis: Int, before: Int, after: Int, value: Float = 0) -> Tensor {
        let (outer, n, inner) = axisSplit(axis)
        var outShape = shape
        let total = n + before + after
        outShape[normalizedAxis(axis)] = total
        let out = Tensor(repeating: value, shape: outShape)
        for o in 0..<outer {
            (out.data + (o * total + before) * inner).update(from: data + o * n * inner, count: n * inner)
        }
        return Tensor.result(out, parents: [self]) { g in
            let gx = Tensor.empty(self.shape)
            for o in 0..<outer {
                (gx.data + o * n * inner).update(from: g.data + (o * total + before) * inner, count: n * inner)
            }
            self.accumulateGrad(gx)
        }
    }
}
