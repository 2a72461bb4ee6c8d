/// Tight loops over raw float buffers, the building blocks of the elementwise ops.
public enum Kernels {
    @inline(__always)
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count) { s, e in for i in s..<e { out[i] = a[i] + b[i] } }
    }

    @inline(__always)
    public static func mul(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count) { s, e in for i in s..<e { out[i] = a[i] * b[i] } }
    }

    /// out = a * s
    @inline(__always)
    public static func scale(_ a: UnsafePointer<Float>, by s: Float, into out: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count) { st, e in for i in st..<e { out[i] = a[i] * s } }
    }

    /// y += a * x
    @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count) { s, e in for i in s..<e { y[i] += a * x[i] } }
    }

    public static func sum(_ a: UnsafePointer<Float>, count: Int) -> Float {
        var acc: Double = 0
        var i = 0
        while i + 8 <= count {
            var s: Float = 0
            for k in 0..<8 { s += a[i + k] }
            acc += Double(s); i += 8
        }
        while i < count { acc += Double(a[i]); i += 1 }
        return Float(acc)
    }

    /// The cosine of two vectors (0 when either is zero).
    public static func cosine(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ab = dot(a, b, count: count), aa = dot(a, a, count: count), bb = dot(b, b, count: count)
        return ab / max((aa * bb).squareRoot(), 1e-12)
    }

    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= count {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]
            s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            i += 4
        }
        while i < count { s0 += a[i] * b[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }
}
