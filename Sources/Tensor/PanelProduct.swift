// MARK: - Products with a right-hand side packed in column panels (many rows × a weight matrix)

/// C[m × cols] (+)= A[m × k] · B[k × cols], with B packed by `pack` in panels of 16 columns
/// ([k][16] floats each, the last one zero-padded) and A read in place (row stride `lda`).
///
/// A 6 × 16 register tile takes 12 fused multiply-adds per step of k from two loads of B and six
/// broadcasts of A, so A needs no packing and C is written once per call, without a separate
/// pass that clears it. Callers that expand compact weights fill the panels straight from the
/// expanded rows, which keeps the expanded matrix from ever existing as a whole.
public enum PanelProduct {
    /// Columns per panel.
    public static let width = 16
    /// Rows of A per register tile.
    public static let height = 6

    /// Floats of `count` panels of `k` steps.
    @inlinable public static func panelFloats(k: Int, count: Int) -> Int { k * width * count }

    /// Packs columns k0..<k0+k of `count` (≤ 16) rows of a row-major matrix (row stride `ld`) as one
    /// panel [k][16]: panel column r is source row r, zero for r ≥ count.
    public static func pack(rows: UnsafePointer<Float>, ld: Int, count: Int, k0: Int, k: Int,
                            into panel: UnsafeMutablePointer<Float>) {
        precondition(count >= 0 && count <= width)
        var s = 0
        if count == width {
            // 8 × 8 blocks transposed in registers.
            while s + 8 <= k {
                for half in 0..<2 { transpose8(rows + half * 8 * ld + k0 + s, ld: ld, into: panel + s * width + half * 8, stride: width) }
                s += 8
            }
        }
        while s < k {
            let out = panel + s * width
            for r in 0..<count { out[r] = rows[r * ld + k0 + s] }
            for r in count..<width { out[r] = 0 }
            s += 1
        }
    }

    /// out[j · stride + i] = src[i · ld + j] for an 8 × 8 block.
    @inline(__always)
    static func transpose8(_ src: UnsafePointer<Float>, ld: Int, into out: UnsafeMutablePointer<Float>, stride: Int) {
        typealias V = SIMD8<Float>
        let raw = UnsafeRawPointer(src), o = UnsafeMutableRawPointer(out)
        func row(_ i: Int) -> V { (raw + 4 * i * ld).loadUnaligned(as: V.self) }
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        func lo(_ a: V, _ b: V) -> V { V(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5]) }
        func hi(_ a: V, _ b: V) -> V { V(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7]) }
        func lo2(_ a: V, _ b: V) -> V { V(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5]) }
        func hi2(_ a: V, _ b: V) -> V { V(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7]) }
        let (r0, r1, r2, r3, r4, r5, r6, r7) = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
        let t0 = lo(r0, r1), t1 = hi(r0, r1), t2 = lo(r2, r3), t3 = hi(r2, r3)
        let t4 = lo(r4, r5), t5 = hi(r4, r5), t6 = lo(r6, r7), t7 = hi(r6, r7)
        // Column j of the block is u_j's and w_j's low halves (j < 4) or high halves (j ≥ 4).
        func put(_ j: Int, _ u: V, _ w: V) {
            o.storeBytes(of: V(lowHalf: u.lowHalf, highHalf: w.lowHalf), toByteOffset: 4 * j * stride, as: V.self)
            o.storeBytes(of: V(lowHalf: u.highHalf, highHalf: w.highHalf), toByteOffset: 4 * (j + 4) * stride, as: V.self)
        }
        put(0, lo2(t0, t2), lo2(t4, t6)); put(1, hi2(t0, t2), hi2(t4, t6))
        put(2, lo2(t1, t3), lo2(t5, t7)); put(3, hi2(t1, t3), hi2(t5, t7))
    }

    /// C[0..<m, 0..<cols] (+)= A[0..<m, 0..<k] · panels (⌈cols/16⌉ panels of `k` steps, consecutive).
    public static func multiply(m: Int, k: Int, cols: Int, _ a: UnsafePointer<Float>, lda: Int,
                                panels: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        let panelCount = (cols + width - 1) / width
        var tile = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
        withUnsafeMutableBytes(of: &tile) { tileBytes in
            let scratch = tileBytes.baseAddress!.assumingMemoryBound(to: Float.self)
            var i = 0
            while i < m {
                let rows = min(height, m - i)
                // Missing rows of a last, short tile repeat its last row; their results are dropped.
                func row(_ j: Int) -> UnsafePointer<Float> { a + (i + min(j, rows - 1)) * lda }
                let (r0, r1, r2, r3, r4, r5) = (row(0), row(1), row(2), row(3), row(4), row(5))
                for q in 0..<panelCount {
                    let panel = panels + q * k * width, width = min(PanelProduct.width, cols - q * PanelProduct.width)
                    let out = c + i * ldc + q * PanelProduct.width
                    if rows == height && width == PanelProduct.width {
                        tile6x16(k, r0, r1, r2, r3, r4, r5, panel, out, ldc: ldc, accumulate: accumulate)
                    } else {
                        tile6x16(k, r0, r1, r2, r3, r4, r5, panel, scratch, ldc: PanelProduct.width, accumulate: false)
                        for j in 0..<rows {
                            for col in 0..<width {
                                let v = scratch[j * PanelProduct.width + col]
                                out[j * ldc + col] = accumulate ? out[j * ldc + col] + v : v
                            }
                        }
                    }
                }
                i += rows
            }
        }
    }

    /// The register tile: C[6 × 16] (+)= rows a0…a5 (k values each) · panel [k][16].
    @inline(__always)
    static func tile6x16(_ k: Int, _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>, _ a2: UnsafePointer<Float>,
                         _ a3: UnsafePointer<Float>, _ a4: UnsafePointer<Float>, _ a5: UnsafePointer<Float>,
                         _ panel: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var b = UnsafeRawPointer(panel)
        for s in 0..<k {
            let b0 = b.loadUnaligned(as: V.self), b1 = b.loadUnaligned(fromByteOffset: 32, as: V.self)
            var x = V(repeating: a0[s]); c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = V(repeating: a1[s]); c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = V(repeating: a2[s]); c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = V(repeating: a3[s]); c30.addProduct(x, b0); c31.addProduct(x, b1)
            x = V(repeating: a4[s]); c40.addProduct(x, b0); c41.addProduct(x, b1)
            x = V(repeating: a5[s]); c50.addProduct(x, b0); c51.addProduct(x, b1)
            b += 64
        }
        let out = UnsafeMutableRawPointer(c)
        @inline(__always) func store(_ row: Int, _ v0: V, _ v1: V) {
            let p = out + 4 * row * ldc
            if accumulate {
                p.storeBytes(of: p.loadUnaligned(as: V.self) + v0, as: V.self)
                p.storeBytes(of: p.loadUnaligned(fromByteOffset: 32, as: V.self) + v1, toByteOffset: 32, as: V.self)
            } else {
                p.storeBytes(of: v0, as: V.self)
                p.storeBytes(of: v1, toByteOffset: 32, as: V.self)
            }
        }
        store(0, c00, c01); store(1, c10, c11); store(2, c20, c21)
        store(3, c30, c31); store(4, c40, c41); store(5, c50, c51)
    }
}
