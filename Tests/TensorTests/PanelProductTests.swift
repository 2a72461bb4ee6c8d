import XCTest
@testable import Tensor

/// The packed-panel product against a plain triple loop, over sizes that leave short row tiles,
/// partial panels and steps that are not a multiple of the 8 × 8 transposes.
final class PanelProductTests: XCTestCase {
    func testMatchesPlainProductForEdgeSizes() {
        var rng = SeededRandom(seed: 21)
        for (m, cols, k) in [(1, 1, 1), (6, 16, 8), (7, 17, 9), (13, 40, 20), (12, 32, 64), (5, 3, 37)] {
            let (lda, ldb, ldc) = (k + 3, k + 5, cols + 2)
            func floats(_ count: Int) -> [Float] { (0..<count).map { _ in rng.uniform() * 2 - 1 } }
            let a = floats(m * lda), b = floats(cols * ldb), start = floats(m * ldc)
            let panelCount = (cols + PanelProduct.width - 1) / PanelProduct.width
            var panels = [Float](repeating: .nan, count: PanelProduct.panelFloats(k: k, count: panelCount))
            panels.withUnsafeMutableBufferPointer { p in
                b.withUnsafeBufferPointer { bp in
                    for q in 0..<panelCount {
                        PanelProduct.pack(rows: bp.baseAddress! + q * PanelProduct.width * ldb, ld: ldb,
                                          count: min(PanelProduct.width, cols - q * PanelProduct.width), k0: 0, k: k,
                                          into: p.baseAddress! + q * k * PanelProduct.width)
                    }
                }
            }
            for accumulate in [false, true] {
                var c = start
                a.withUnsafeBufferPointer { ap in
                    panels.withUnsafeBufferPointer { pp in
                        c.withUnsafeMutableBufferPointer { cp in
                            PanelProduct.multiply(m: m, k: k, cols: cols, ap.baseAddress!, lda: lda, panels: pp.baseAddress!,
                                                  cp.baseAddress!, ldc: ldc, accumulate: accumulate)
                        }
                    }
                }
                for i in 0..<m {
                    for j in 0..<ldc {
                        // Past `cols` the row is untouched; before, the product (plus what was there).
                        var want: Float = j >= cols || accumulate ? start[i * ldc + j] : 0
                        if j < cols { for s in 0..<k { want += a[i * lda + s] * b[j * ldb + s] } }
                        let tolerance: Float = 1e-4 * Float(k)
                        XCTAssertEqual(c[i * ldc + j], want, accuracy: tolerance,
                                       "m \(m), cols \(cols), k \(k), accumulate \(accumulate): C[\(i), \(j)]")
                    }
                }
            }
        }
    }

    func testThreadScratchKeepsItsBufferUntilItMustGrow() {
        let small = ThreadScratch.floats(100)
        XCTAssertEqual(ThreadScratch.floats(50), small)
        let large = ThreadScratch.floats(1 << 20)
        large[(1 << 20) - 1] = 1
        XCTAssertEqual(ThreadScratch.floats(10), large)
    }
}
