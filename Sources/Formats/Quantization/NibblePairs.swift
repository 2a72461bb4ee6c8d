// MARK: - The in-memory layout of Q4_0 and Q4_1 matrices
//
// ggml stores a 4-bit block as [f16 d, (Q4_1: f16 m), 16 nibble bytes]; byte i holds value i in
// its low nibble and value i + 16 in its high nibble. For products the blocks of a row are
// regrouped in pairs of 40 bytes:
//
//     [d₀, d₁, o₀, o₁ : f16] [16 nibble bytes of block 0] [16 nibble bytes of block 1]
//
// so that one 32-byte load gives the nibbles of 64 values as 8 lanes of 32-bit words and one
// 8-byte load gives both blocks' scales. The offset slot o holds m for Q4_1 and d for Q4_0,
// whose values are d·q − 8·d; in both, value = d·q + c·o with c = `offsetFactor`. A row with an
// odd number of blocks ends with an all-zero block. The bytes are the stored ones, regrouped:
// every value stays exactly as in the file.

enum NibblePairs {
    static let pairBytes = 40

    /// Whether matrices of `type` are kept in this layout.
    static func holds(_ type: GGMLType) -> Bool { type == .q4_0 || type == .q4_1 }

    /// Value = d·q + offsetFactor·o (see the layout above).
    static func offsetFactor(_ type: GGMLType) -> Float { type == .q4_1 ? 1 : -8 }

    /// Bytes of one regrouped row of `cols` values.
    static func rowBytes(cols: Int) -> Int { (cols / 32 + 1) / 2 * pairBytes }

    /// Regroups one ggml row of `blocks` Q4_0 or Q4_1 blocks at `src` into `dst`.
    static func regroup(_ type: GGMLType, row src: UnsafeRawPointer, blocks: Int, into dst: UnsafeMutableRawPointer) {
        let blockBytes = type.bytesPerBlock, nibbles = type == .q4_1 ? 4 : 2
        dst.initializeMemory(as: UInt8.self, repeating: 0, count: (blocks + 1) / 2 * pairBytes)
        for b in 0..<blocks {
            let block = src + b * blockBytes, pair = dst + (b / 2) * pairBytes, half = b % 2
            (pair + 2 * half).copyMemory(from: block, byteCount: 2)                                   // d
            (pair + 4 + 2 * half).copyMemory(from: block + (type == .q4_1 ? 2 : 0), byteCount: 2)  // o
            (pair + 8 + 16 * half).copyMemory(from: block + nibbles, byteCount: 16)
        }
    }

    /// Values of one regrouped row (`blocks` blocks) into `out`.
    static func dequantize(_ type: GGMLType, row src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
        let c = offsetFactor(type)
        let raw = UnsafeMutableRawPointer(out)
        for b in 0..<blocks {
            let pair = src + (b / 2) * pairBytes, half = b % 2
            let d = SIMD8<Float>(repeating: loadHalf(pair, 2 * half))
            let offset = SIMD8<Float>(repeating: c * loadHalf(pair, 4 + 2 * half))
            for group in 0..<2 {
                // Bytes 8g…8g+7: low nibbles are values 8g…, high nibbles values 16 + 8g….
                let bytes = pair.loadUnaligned(fromByteOffset: 8 + 16 * half + 8 * group, as: SIMD8<UInt8>.self)
                var low = SIMD8<Float>(), high = SIMD8<Float>()
                for i in 0..<8 { low[i] = Float(bytes[i] & 0xF); high[i] = Float(bytes[i] >> 4) }
                raw.storeBytes(of: d * low + offset, toByteOffset: 4 * (32 * b + 8 * group), as: SIMD8<Float>.self)
                raw.storeBytes(of: d * high + offset, toByteOffset: 4 * (32 * b + 16 + 8 * group), as: SIMD8<Float>.self)
            }
        }
    }
}

/// Activations of one product in the order the nibble-pair kernel reads them.
///
/// For pair P the layout holds 8 steps k of 8 lanes: lane L < 4 belongs to block 2P, lane L ≥ 4
/// to block 2P + 1, and word w = L mod 4 of a block holds nibble bytes 4w…4w+3. Nibble k of a word
/// is byte k/2's low (k even: value 4w + k/2) or high (k odd: value 4w + k/2 + 16) nibble. The
/// kernel masks nibble k in place, which gives q·2^4k, so step k is pre-scaled by 2^-4k (exact);
/// the last nibble is shifted down instead (bit 31 would be the conversion's sign). After the
/// 64·pairs values come per pair the block sums [S₀·s ×4, S₁·s ×4], s = offsetFactor / 4, so that
/// summing 8 lanes of (offset lanes × sums) gives both blocks' offset terms.
enum NibbleActivations {
    /// Floats `prepare` writes for rows of `blocks` blocks.
    static func scratchCount(blocks: Int) -> Int { (blocks + 1) / 2 * 72 }

    /// Writes the reordered, pre-scaled values of `x` (32·`blocks` floats), then the scaled block sums, to `out`.
    static func prepare(_ x: UnsafePointer<Float>, blocks: Int, type: GGMLType, into out: UnsafeMutablePointer<Float>) {
        let pairs = (blocks + 1) / 2, sumScale = NibblePairs.offsetFactor(type) / 4
        let sums = out + 64 * pairs
        // Step k's scale: 2^-4k, except the last nibble, which the kernel shifts down to 0…15.
        let stepScale = SIMD8<Float>(1, 0x1p-4, 0x1p-8, 0x1p-12, 0x1p-16, 0x1p-20, 0x1p-24, 1)
        for p in 0..<pairs {
            for half in 0..<2 {
                let b = 2 * p + half, lanes = out + 64 * p + 4 * half
                guard b < blocks else {
                    for lane in 0..<4 { sums[8 * p + 4 + lane] = 0 }
                    for k in 0..<8 { for w in 0..<4 { lanes[8 * k + w] = 0 } }
                    continue
                }
                let xb = x + 32 * b
                var s: Float = 0
                for j in 0..<32 { s += xb[j] }
                for lane in 0..<4 { sums[8 * p + 4 * half + lane] = s * sumScale }
                for k in 0..<8 {
                    let first = xb + k / 2 + (k % 2) * 16, scale = stepScale[k]
                    for w in 0..<4 { lanes[8 * k + w] = first[4 * w] * scale }
                }
            }
        }
    }
}
