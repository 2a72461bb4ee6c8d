// MARK: - Quantisation to the formats the writer produces (the reference ggml rounding rules)

/// Quantisation of float32 values to ggml block formats.
public enum Quantize {
    /// The types `values(_:from:count:into:)` can produce.
    public static let supported: [GGMLType] = [.f32, .f16, .q8_0, .q4_1]

    /// Encodes `count` floats as `type`; `dst` must have room for `type.byteCount(values: count)` bytes.
    public static func values(_ type: GGMLType, from x: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        precondition(supported.contains(type), "cannot quantise to \(type)")
        precondition(count % type.blockSize == 0, "\(count) values are not whole \(type) blocks")
        for b in 0..<(count / type.blockSize) {
            let src = x + b * type.blockSize, out = dst + b * type.bytesPerBlock
            switch type {
            case .f32: out.storeBytes(of: src[0].bitPattern.littleEndian, as: UInt32.self)
            case .f16: out.storeBytes(of: floatToHalf(src[0]).littleEndian, as: UInt16.self)
            case .q8_0: q8_0(src, out)
            default: q4_1(src, out)
            }
        }
    }

    /// Q8_0: d = max|x| / 127, q = round(x / d) (halves away from zero).
    static func q8_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: floatToHalf(d).littleEndian, as: UInt16.self)
        for j in 0..<32 {
            out.storeBytes(of: Int8((x[j] * id).rounded()), toByteOffset: 2 + j, as: Int8.self)
        }
    }

    /// Q4_1: d = (max − min) / 15, m = min, q = trunc((x − min) / d + 0.5) clamped to 0...15.
    static func q4_1(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer) {
        var lo = x[0], hi = x[0]
        for j in 1..<32 { lo = min(lo, x[j]); hi = max(hi, x[j]) }
        let d = (hi - lo) / 15
        let id: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: floatToHalf(d).littleEndian, as: UInt16.self)
        out.storeBytes(of: floatToHalf(lo).littleEndian, toByteOffset: 2, as: UInt16.self)
        @inline(__always) func level(_ v: Float) -> UInt8 {
            let t = ((v - lo) * id + 0.5).rounded(.towardZero)
            return UInt8(min(15, max(0, t)))
        }
        for j in 0..<16 {
            out.storeBytes(of: level(x[j]) | level(x[j + 16]) << 4, toByteOffset: 4 + j, as: UInt8.self)
        }
    }
}
