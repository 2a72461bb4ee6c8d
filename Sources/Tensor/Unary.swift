import Foundation

// MARK: - Elementwise functions (forward and backward side by side)

extension Tensor {
    /// Applies `f` to every element; `derivative(x, y)` gives dy/dx from the input x and output y.
    @inline(__always)
    public func mapped(derivative: @escaping (Float, Float) -> Float, _ f: (Float) -> Float) -> Tensor {
        let out = Tensor.empty(shape)
        let px = data, py = out.data
        parallelChunks(count) { s, e in for i in s..<e { py[i] = f(px[i]) } }
        return Tensor.result(out, parents: [self]) { g in
            let gx = Tensor.empty(self.shape)
            let pg = g.data, pgx = gx.data
            parallelChunks(self.count) { s, e in for i in s..<e { pgx[i] = pg[i] * derivative(px[i], py[i]) } }
            self.accumulateGrad(gx)
        }
    }

    public func exp() -> Tensor { mapped(derivative: { _, y in y }) { Foundation.exp($0) } }
    public func log() -> Tensor { mapped(derivative: { x, _ in 1 / x }) { Foundation.log($0) } }
    public func sqrt() -> Tensor { mapped(derivative: { _, y in 0.5 / y }) { $0.squareRoot() } }
    public func tanh() -> Tensor { mapped(derivative: { _, y in 1 - y * y }) { Foundation.tanh($0) } }
    public func sigmoid() -> Tensor { mapped(derivative: { _, y in y * (1 - y) }) { 1 / (1 + Foundation.exp(-$0)) } }
    public func relu() -> Tensor { mapped(derivative: { x, _ in x > 0 ? 1 : 0 }) { Swift.max($0, 0) } }
    public func square() -> Tensor { mapped(derivative: { x, _ in 2 * x }) { $0 * $0 } }
    public func abs() -> Tensor { mapped(derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }) { Swift.abs($0) } }
    public func pow(_ p: Float) -> Tensor { mapped(derivative: { x, _ in p * Foundation.pow(x, p - 1) }) { Foundation.pow($0, p) } }

    /// x·σ(x), the SiLU (swish) activation.
    public func silu() -> Tensor {
        mapped(derivative: { x, _ in
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 + x * (1 - s))
        }) { $0 / (1 + Foundation.exp(-$0)) }
    }

    /// GELU with the tanh approximation (as in GPT-2 and Whisper-style encoders).
    public func gelu() -> Tensor {
        let c: Float = 0.7978845608 // √(2/π)
        return mapped(derivative: { x, _ in
            let u = c * (x + 0.044715 * x * x * x)
            let t = Foundation.tanh(u)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        }) { x in 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x))) }
    }

    /// Clamps to [low, high]; the gradient passes only inside the range.
    public func clamped(_ low: Float, _ high: Float) -> Tensor {
        mapped(derivative: { x, _ in x >= low && x <= high ? 1 : 0 }) { Swift.min(Swift.max($0, low), high) }
    }
}
