/// Vectorised exponential for softmax-like loops: exp(x) = 2ⁿ·e^r with n = round(x/ln 2) and a
/// degree-6 polynomial for e^r on |r| ≤ ln2/2 (relative error about 2e-7, like expf). Inputs
/// above 88.3 give e^88.3 (finite); inputs below −87.3 (−∞ included) give 0.
/// Inlinable, so that the loops of other modules keep the polynomial in registers.
public enum FastMath {
    @usableFromInline static var magic: Float { 12_582_912 }

    // Transparent: `@inline(__always)` alone left some calls out of line inside the unrolled loops.
    @_transparent
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        // Lane selects rather than `clamped`, whose generic implementation may stay out of line;
        // fused multiply-adds throughout (Swift does not contract `a * b + c` by itself).
        let low = V(repeating: -87.3), high = V(repeating: 88.3)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits (no conversion instructions).
        let shifted = V(repeating: magic).addingProduct(clamped, V(repeating: 1.442_695_04))
        let n = shifted - magic
        // r = x − n·ln2, with ln2 split in two parts for precision.
        let r = clamped.addingProduct(n, V(repeating: -0.693_145_75)).addingProduct(n, V(repeating: -1.428_606_8e-6))
        var p = V(repeating: 1.398_199_9e-3).addingProduct(V(repeating: 1.987_569_1e-4), r)
        p = V(repeating: 8.333_452e-3).addingProduct(p, r)
        p = V(repeating: 4.166_579_6e-2).addingProduct(p, r)
        p = V(repeating: 0.166_666_66).addingProduct(p, r)
        p = V(repeating: 0.5).addingProduct(p, r)
        p = (r + 1).addingProduct(p, r * r)
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(V(repeating: magic), to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: V.self)
        return (p * scale).replacing(with: 0, where: x .< low)
    }

    /// dst[i] = exp(src[i] − shift) for i < n, returning the sum of the results.
    @inlinable @inline(__always)
    public static func expShifted(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count n: Int, shift: Float) -> Float {
        var acc0 = SIMD8<Float>(repeating: 0), acc1 = acc0
        let s = SIMD8<Float>(repeating: shift), from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
        var i = 0
        // Two independent vectors per step hide the polynomial's latency.
        while i + 16 <= n {
            let v0 = exp(from.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - s)
            let v1 = exp(from.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self) - s)
            to.storeBytes(of: v0, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            to.storeBytes(of: v1, toByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
            acc0 += v0; acc1 += v1
            i += 16
        }
        while i < n {
            let v = exp(tail(src + i, count: n - i) - s)
            for j in 0..<min(8, n - i) { dst[i + j] = v[j] }
            acc0 += v
            i += 8
        }
        return (acc0 + acc1).sum()
    }

    /// Σ exp(src[i] − shift) without storing the terms.
    @inlinable @inline(__always)
    public static func sumExpShifted(_ src: UnsafePointer<Float>, count n: Int, shift: Float) -> Float {
        var acc0 = SIMD8<Float>(repeating: 0), acc1 = acc0
        let s = SIMD8<Float>(repeating: shift), from = UnsafeRawPointer(src)
        var i = 0
        while i + 16 <= n {
            acc0 += exp(from.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - s)
            acc1 += exp(from.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self) - s)
            i += 16
        }
        while i < n {
            acc0 += exp(tail(src + i, count: n - i) - s)
            i += 8
        }
        return (acc0 + acc1).sum()
    }

    /// Up to eight values from `x`, the missing lanes −∞ (their exponential is 0).
    @inlinable @inline(__always)
    static func tail(_ x: UnsafePointer<Float>, count: Int) -> SIMD8<Float> {
        if count >= 8 { return UnsafeRawPointer(x).loadUnaligned(as: SIMD8<Float>.self) }
        var lanes = SIMD8<Float>(repeating: -.infinity)
        for j in 0..<count { lanes[j] = x[j] }
        return lanes
    }

    /// The largest of `n` values (−∞ for none), eight lanes at a time.
    @inlinable @inline(__always)
    public static func maximum(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            acc = acc.replacing(with: v, where: v .> acc)
            i += 8
        }
        var m = acc[0]
        for lane in 1..<8 where acc[lane] > m { m = acc[lane] }
        while i < n { if x[i] > m { m = x[i] }; i += 1 }
        return m
    }

    /// x[i] *= factor for i < n.
    @inlinable @inline(__always)
    public static func scale(_ x: UnsafeMutablePointer<Float>, count n: Int, by factor: Float) {
        var i = 0
        let f = SIMD8<Float>(repeating: factor), raw = UnsafeMutableRawPointer(x)
        while i + 8 <= n {
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * f, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { x[i] *= factor; i += 1 }
    }
}
