/// NumPy broadcasting: shapes align at the right; a dimension of 1 stretches.
public enum Broadcast {
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        let pa = Array(repeating: 1, count: rank - a.count) + a
        let pb = Array(repeating: 1, count: rank - b.count) + b
        return zip(pa, pb).map { x, y in
            precondition(x == y || x == 1 || y == 1, "shapes \(a) and \(b) do not broadcast")
            return max(x, y)
        }
    }

    /// Element strides of a tensor of `shape` read as `outShape` (0 where it is stretched).
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        let padded = Array(repeating: 1, count: outShape.count - shape.count) + shape
        var strides = Array(repeating: 0, count: outShape.count)
        var s = 1
        for d in stride(from: outShape.count - 1, through: 0, by: -1) {
            strides[d] = padded[d] == 1 && outShape[d] != 1 ? 0 : s
            s *= padded[d]
        }
        return strides
    }

    /// Visits the output row by row (rows along the last dimension), giving the offsets of
    /// each operand's first element and its stride along the row.
    static func forEachRow(_ outShape: [Int], _ operandStrides: [[Int]],
                           _ body: (_ outOffset: Int, _ offsets: [Int], _ rowStrides: [Int], _ rowLength: Int) -> Void) {
        let rank = outShape.count
        guard rank > 0 else { body(0, operandStrides.map { _ in 0 }, operandStrides.map { _ in 0 }, 1); return }
        let rowLength = outShape[rank - 1]
        let rowStrides = operandStrides.map { $0[rank - 1] }
        let rows = outShape.dropLast().reduce(1, *)
        var index = Array(repeating: 0, count: rank - 1)
        var offsets = operandStrides.map { _ in 0 }
        for row in 0..<rows {
            body(row * rowLength, offsets, rowStrides, rowLength)
            // Advance the multi-index over the leading dimensions.
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                for k in offsets.indices { offsets[k] += operandStrides[k][d] }
                if index[d] < outShape[d] { break }
                for k in offsets.indices { offsets[k] -= operandStrides[k][d] * outShape[d] }
                index[d] = 0
                d -= 1
            }
        }
    }
}

extension Tensor {
    /// Sums this tensor down to `target`, undoing a broadcast (used by backward passes).
    public func sum(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        let targetCount = target.reduce(1, *)
        if targetCount == count { return reshaped(target) }
        let out = Tensor(zeros: target)
        let o = out.data, g = data
        if targetCount == 1 {
            o[0] = Kernels.sum(g, count: count)
        } else if Array(shape.suffix(target.count)) == target {
            // Trailing dimensions match: add up whole rows.
            let rows = count / targetCount
            for r in 0..<rows {
                let row = g + r * targetCount
                for i in 0..<targetCount { o[i] += row[i] }
            }
        } else {
            let strides = Broadcast.strides(of: target, in: shape)
            Broadcast.forEachRow(shape, [strides]) { outOffset, offsets, rowStrides, n in
                let src = g + outOffset
                var t = offsets[0]
                let st = rowStrides[0]
                for i in 0..<n { o[t] += src[i]; t += st }
            }
        }
        return out
    }
}
