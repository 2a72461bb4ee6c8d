// MARK: - IEEE half precision and bfloat16 bit conversions (exact, no hardware support needed)

/// Converts IEEE 754 binary16 bits to Float (exact for every value, NaN payloads kept).
@inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
    let bits = UInt32(h)
    let sign = (bits & 0x8000) << 16
    let magnitude = bits & 0x7FFF
    if magnitude >= 0x7C00 { // infinity or NaN
        return Float(bitPattern: sign | 0x7F80_0000 | ((magnitude & 0x3FF) << 13))
    }
    // Shifting puts the half's exponent and mantissa in the float's fields with bias 15 instead
    // of 127; multiplying by 2^112 re-biases, and turns half subnormals into float normals.
    let scaled = Float(bitPattern: magnitude << 13) * 0x1p112
    return Float(bitPattern: scaled.bitPattern | sign)
}

/// Converts a Float to IEEE 754 binary16 bits, rounding to nearest even (overflow gives infinity).
@inline(__always)
public func floatToHalf(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
    let magnitude = bits & 0x7FFF_FFFF
    if magnitude >= 0x7F80_0000 { return sign | (magnitude > 0x7F80_0000 ? 0x7E00 : 0x7C00) }
    if magnitude >= 0x477F_F000 { return sign | 0x7C00 }          // rounds to 65536 or more
    if magnitude < 0x3880_0000 {                                   // below 2^-14: subnormal half
        let units = (Float(bitPattern: magnitude) * 0x1p24).rounded(.toNearestOrEven)
        return sign | UInt16(units)                                // 1024 rounds up to the smallest normal
    }
    let mantissa = magnitude & 0x7F_FFFF
    var h = ((magnitude >> 23) - 112) << 10 | (mantissa >> 13)
    let rest = mantissa & 0x1FFF
    if rest > 0x1000 || (rest == 0x1000 && h & 1 == 1) { h += 1 }  // a carry moves into the exponent
    return sign | UInt16(h)
}

/// Converts bfloat16 bits to Float (exact).
@inline(__always)
public func bfloat16ToFloat(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ byteOffset: Int = 0) -> Float {
    // Float16 → Float is exact; on x86-64 with F16C it is one instruction.
    Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self))))
}
