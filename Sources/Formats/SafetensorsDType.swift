/// Element types of the safetensors format (the header's "dtype" strings).
public enum SafetensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// True for the types read as float32 tensors.
    public var isFloatingPoint: Bool { [.f16, .bf16, .f32, .f64].contains(self) }

    /// True for the types read as integer arrays.
    public var isInteger: Bool { [.bool, .u8, .i8, .i16, .u16, .i32, .u32, .i64, .u64].contains(self) }
}

// MARK: - Half-precision conversions

extension SafetensorsDType {
    /// IEEE binary16 bits to float32 (exact).
    @inline(__always)
    static func floatFromHalf(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    /// float32 to IEEE binary16 bits, rounded to nearest even (overflow gives ±infinity).
    @inline(__always)
    static func halfFromFloat(_ value: Float) -> UInt16 { Float16(value).bitPattern }

    /// bfloat16 bits (the top half of a float32) to float32 (exact).
    @inline(__always)
    static func floatFromBFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// float32 to bfloat16 bits, rounded to nearest even; NaN stays a quiet NaN.
    @inline(__always)
    static func bfloatFromFloat(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 | UInt16(value.bitPattern >> 16 & 0x8000) }
        let bits = value.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(rounded >> 16)
    }
}
