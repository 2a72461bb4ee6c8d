/// Vectorised exponential for softmax-like loops: exp(x) = 2ⁿ·e^r with n = round(x/ln 2) and a
/// degree-6 polynomial for e^r on |r| ≤ ln2/2 (relative error about 2e-7, like expf). Inputs
/// above 88.3 give e^88.3 (finite); inputs below −87.3 (−∞ included) give 0.
public enum FastMath {
    static let magic: Float = 12_582_912

    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Lane selects rather than `clamped`, whose generic implementation may stay out of line.
        let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.3)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits (no conversion instructions).
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        // r = x − n·ln2, with ln2 split in two parts for precision.
        var r = clamped - n * 0.693_145_75
        r = r - n * 1.428_606_8e-6
        var p = SIMD8<Float>(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_66
        p = p * r + 0.5
        p = p * r * r + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(SIMD8<Float>(repeating: magic), to: SIMD8<Int32>.self)
        let bits = (integer &+ 127) &<< 23
        let scale = unsafeBitCast(bits, to: SIMD8<Float>.self)
        return (p * scale).replacing(with: 0, where: x .< low)
    }

    /// dst[i] = exp(src[i] − shift) for i < n, returning the sum of the results.
    @inline(__always)
    public static func expShifted(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count n: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        let s = SIMD8<Float>(repeating: shift)
        while i + 8 <= n {
            let v = exp(UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self) - s)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: v, as: SIMD8<Float>.self)
            acc += v
            i += 8
        }
        var total = acc.sum()
        while i < n {
            var lane = SIMD8<Float>(repeating: -100)
            lane[0] = src[i] - shift
            let e = exp(lane)[0]
            dst[i] = e
            total += e
            i += 1
        }
        return total
    }

    /// Σ exp(src[i] − shift) without storing the terms.
    @inline(__always)
    public static func sumExpShifted(_ src: UnsafePointer<Float>, count n: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        let s = SIMD8<Float>(repeating: shift)
        while i + 8 <= n {
            acc += exp(UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self) - s)
            i += 8
        }
        var total = acc.sum()
        while i < n {
            var lane = SIMD8<Float>(repeating: -100)
            lane[0] = src[i] - shift
            total += exp(lane)[0]
            i += 1
        }
        return total
    }
}
