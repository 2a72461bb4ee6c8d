import Tensor

// MARK: - Block layouts (ggml), values per block and bytes per block
//
//  Q4_0  32 / 18: f16 d, 16 bytes of nibbles.          x[j] = d·(lo(q[j]) − 8), x[j+16] = d·(hi(q[j]) − 8)
//  Q4_1  32 / 20: f16 d, f16 m, 16 bytes of nibbles.   x[j] = d·lo(q[j]) + m,   x[j+16] = d·hi(q[j]) + m
//  Q5_0  32 / 22: f16 d, u32 high bits, 16 nibbles.    fifth bit of x[j] is bit j of qh; x = d·(q − 16)
//  Q5_1  32 / 24: f16 d, f16 m, u32 qh, 16 nibbles.     x = d·q + m
//  Q8_0  32 / 34: f16 d, 32 int8.                      x[j] = d·q[j]
//  Q4_K 256 / 144: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins (8 sub-blocks of 32), 128 nibble bytes.
//                  Each 64 values use 32 bytes: low nibbles → sub-block 2i, high nibbles → 2i+1;
//                  x = (d·scale)·q − (dmin·min).
//  Q5_K 256 / 176: as Q4_K plus 32 bytes of fifth bits: bit 2i / 2i+1 of qh[l] belongs to sub-block 2i / 2i+1.
//  Q6_K 256 / 210: 128 bytes low nibbles, 64 bytes of 2-bit highs, 16 int8 scales, f16 d; x = (d·scale)·(q − 32).

/// Dequantisation of ggml block formats to float32.
public enum Dequantize {
    /// Writes `count` values of type `type` read from `src` to `dst`.
    /// `count` must be a multiple of the block size and `src` must hold `type.byteCount(values:)` bytes.
    public static func values(_ type: GGMLType, from src: UnsafeRawPointer, count: Int,
                              into dst: UnsafeMutablePointer<Float>, tensor: String = "") throws {
        guard type.isDequantisable else { throw GGUFError.unsupportedType(type, tensor: tensor) }
        precondition(count % type.blockSize == 0, "\(count) values are not whole \(type) blocks")
        let blocks = count / type.blockSize
        parallelChunks(blocks, minChunk: 4096) { start, end in
            for b in start..<end {
                block(type, src + b * type.bytesPerBlock, dst + b * type.blockSize)
            }
        }
    }

    /// Dequantises one block of `type` (see the layouts above).
    @inline(__always)
    static func block(_ type: GGMLType, _ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32: y[0] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        case .f16: y[0] = loadHalf(p)
        case .bf16: y[0] = bfloat16ToFloat(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
        case .q8_0: q8_0(p, y)
        case .q4_0: q4_0(p, y)
        case .q4_1: q4_1(p, y)
        case .q5_0: q5(p, y, hasMin: false)
        case .q5_1: q5(p, y, hasMin: true)
        case .q4_K: q4_K(p, y)
        case .q5_K: q5_K(p, y)
        case .q6_K: q6_K(p, y)
        default: preconditionFailure("\(type) is not dequantisable")
        }
    }

    // MARK: - 32-value blocks

    @inline(__always)
    static func q8_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(p)
        let q = (p + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { y[j] = Float(q[j]) * d }
    }

    @inline(__always)
    static func q4_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(p)
        let q = (p + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = d * Float(Int(q[j] & 0xF) - 8)
            y[j + 16] = d * Float(Int(q[j] >> 4) - 8)
        }
    }

    @inline(__always)
    static func q4_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(p), m = loadHalf(p, 2)
        let q = (p + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = d * Float(q[j] & 0xF) + m
            y[j + 16] = d * Float(q[j] >> 4) + m
        }
    }

    @inline(__always)
    static func q5(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, hasMin: Bool) {
        let d = loadHalf(p)
        let m: Float = hasMin ? loadHalf(p, 2) : 0
        let hOffset = hasMin ? 4 : 2
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: hOffset, as: UInt32.self))
        let q = (p + hOffset + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let lo = Int(q[j] & 0xF) | Int((qh >> UInt32(j)) & 1) << 4
            let hi = Int(q[j] >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
            if hasMin {
                y[j] = d * Float(lo) + m
                y[j + 16] = d * Float(hi) + m
            } else {
                y[j] = d * Float(lo - 16)
                y[j + 16] = d * Float(hi - 16)
            }
        }
    }

    // MARK: - 256-value super-blocks

    /// Scale and min (6 bits each) of sub-block `j` (0..<8) from the 12 packed bytes `s`.
    @inline(__always)
    static func scaleMin(_ j: Int, _ s: UnsafePointer<UInt8>) -> (Float, Float) {
        if j < 4 { return (Float(s[j] & 63), Float(s[j + 4] & 63)) }
        let scale = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4)
        let min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4)
        return (Float(scale), Float(min))
    }

    @inline(__always)
    static func q4_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(p), dmin = loadHalf(p, 2)
        let scales = (p + 4).assumingMemoryBound(to: UInt8.self)
        let q = (p + 16).assumingMemoryBound(to: UInt8.self)
        for i in 0..<4 {
            let (s0, m0) = scaleMin(2 * i, scales), (s1, m1) = scaleMin(2 * i + 1, scales)
            let d0 = d * s0, o0 = dmin * m0, d1 = d * s1, o1 = dmin * m1
            let qi = q + 32 * i, yi = y + 64 * i
            for l in 0..<32 {
                yi[l] = d0 * Float(qi[l] & 0xF) - o0
                yi[l + 32] = d1 * Float(qi[l] >> 4) - o1
            }
        }
    }

    @inline(__always)
    static func q5_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(p), dmin = loadHalf(p, 2)
        let scales = (p + 4).assumingMemoryBound(to: UInt8.self)
        let qh = (p + 16).assumingMemoryBound(to: UInt8.self)
        let q = (p + 48).assumingMemoryBound(to: UInt8.self)
        for i in 0..<4 {
            let (s0, m0) = scaleMin(2 * i, scales), (s1, m1) = scaleMin(2 * i + 1, scales)
            let d0 = d * s0, o0 = dmin * m0, d1 = d * s1, o1 = dmin * m1
            let qi = q + 32 * i, yi = y + 64 * i
            let bit0 = UInt8(1) << UInt8(2 * i), bit1 = UInt8(2) << UInt8(2 * i)
            for l in 0..<32 {
                let lo = (qi[l] & 0xF) | (qh[l] & bit0 != 0 ? 16 : 0)
                let hi = (qi[l] >> 4) | (qh[l] & bit1 != 0 ? 16 : 0)
                yi[l] = d0 * Float(lo) - o0
                yi[l + 32] = d1 * Float(hi) - o1
            }
        }
    }

    @inline(__always)
    static func q6_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let ql = p.assumingMemoryBound(to: UInt8.self)
        let qh = (p + 128).assumingMemoryBound(to: UInt8.self)
        let sc = (p + 192).assumingMemoryBound(to: Int8.self)
        let d = loadHalf(p, 208)
        for half in 0..<2 {
            let l0 = ql + 64 * half, h0 = qh + 32 * half, s0 = sc + 8 * half, y0 = y + 128 * half
            for l in 0..<32 {
                let group = l / 16
                let q1 = Int((l0[l] & 0xF) | ((h0[l] & 3) << 4)) - 32
                let q2 = Int((l0[l + 32] & 0xF) | (((h0[l] >> 2) & 3) << 4)) - 32
                let q3 = Int((l0[l] >> 4) | (((h0[l] >> 4) & 3) << 4)) - 32
                let q4 = Int((l0[l + 32] >> 4) | (((h0[l] >> 6) & 3) << 4)) - 32
                y0[l] = d * Float(s0[group]) * Float(q1)
                y0[l + 32] = d * Float(s0[group + 2]) * Float(q2)
                y0[l + 64] = d * Float(s0[group + 4]) * Float(q3)
                y0[l + 96] = d * Float(s0[group + 6]) * Float(q4)
            }
        }
    }
}
