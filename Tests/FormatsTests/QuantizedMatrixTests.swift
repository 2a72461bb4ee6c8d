import XCTest
import Tensor
@testable import Formats

/// The fast products against dequantise-then-multiply in float32 (Double accumulation as reference).
final class QuantizedMatrixTests: XCTestCase {
    /// y = W·x with W = the matrix's own dequantised values, summed in Double.
    func reference(_ w: [Float], rows: Int, cols: Int, _ x: [Float]) -> [Float] {
        (0..<rows).map { r in
            var s = 0.0
            for c in 0..<cols { s += Double(w[r * cols + c]) * Double(x[c]) }
            return Float(s)
        }
    }

    /// Relative error measured against the size of the terms (|W|·|x|), so cancellation does not inflate it.
    func assertClose(_ got: [Float], _ want: [Float], scale: [Float], tolerance: Float = 1e-4, _ what: String) {
        XCTAssertEqual(got.count, want.count, what)
        for i in 0..<min(got.count, want.count) {
            let err = abs(got[i] - want[i]) / max(scale[i], 1e-20)
            if err > tolerance { XCTFail("\(what): element \(i) is \(got[i]), expected \(want[i]) (relative error \(err))"); return }
        }
    }

    func magnitudes(_ w: [Float], rows: Int, cols: Int, _ x: [Float]) -> [Float] {
        reference(w.map(abs), rows: rows, cols: cols, x.map(abs))
    }

    func testMatvecMatmulAndRowsOfEveryKernelType() throws {
        var rng = SeededRandom(seed: 42)
        let (rows, cols) = (300, 320) // 96,000 values: one thread; see the large case below
        let values = rng.floats(rows * cols, scale: 0.2)
        let x = rng.floats(cols, scale: 2)
        for type in [GGMLType.f32, .f16, .q8_0, .q4_1] {
            let m = QuantizedMatrix(rows: rows, cols: cols, values: values, type: type)
            XCTAssertEqual(m.type, type)
            let w = m.dequantised()
            let want = reference(w, rows: rows, cols: cols, x)
            let scale = magnitudes(w, rows: rows, cols: cols, x)
            assertClose(m.matvec(x), want, scale: scale, "\(type) matvec")
            // matmul over a few inputs (matvec path) and over more (panel path, with short last tiles)
            for n in [2, 6, 23] {
                let xs = rng.floats(n * cols)
                let y = m.matmul(xs, n: n)
                for i in 0..<n {
                    let xi = Array(xs[i * cols ..< (i + 1) * cols])
                    assertClose(Array(y[i * rows ..< (i + 1) * rows]), reference(w, rows: rows, cols: cols, xi),
                                scale: magnitudes(w, rows: rows, cols: cols, xi), "\(type) matmul n=\(n)")
                }
            }
            XCTAssertEqual(m.row(17), Array(w[17 * cols ..< 18 * cols]), "\(type) row")
        }
    }

    /// Several matrices side by side, added onto a strided output, over enough work to be split
    /// between threads and an input long enough to be cut in slices.
    func testSideBySideProductsAccumulateIntoStridedRows() {
        var rng = SeededRandom(seed: 8)
        let (n, cols, lda, ldy) = (29, 1088, 1100, 700)
        let sizes = [200, 72, 333]
        let matrices = sizes.map { QuantizedMatrix(rows: $0, cols: cols, values: rng.floats($0 * cols, scale: 0.1), type: .q4_1) }
        let x = rng.floats(n * lda)
        let before = rng.floats(n * ldy)
        var y = before
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                QuantizedMatrix.matmul(xp.baseAddress!, lda: lda, n: n, matrices, into: yp.baseAddress!, ldy: ldy, accumulate: true)
            }
        }
        let total = sizes.reduce(0, +)
        for i in 0..<n {
            let xi = Array(x[i * lda ..< i * lda + cols])
            var want: [Float] = [], scale: [Float] = []
            for m in matrices {
                let w = m.dequantised()
                want += reference(w, rows: m.rows, cols: cols, xi)
                scale += magnitudes(w, rows: m.rows, cols: cols, xi)
            }
            for j in 0..<total { want[j] += before[i * ldy + j]; scale[j] += abs(before[i * ldy + j]) }
            assertClose(Array(y[i * ldy ..< i * ldy + total]), want, scale: scale, "row \(i)")
            XCTAssertEqual(Array(y[i * ldy + total ..< (i + 1) * ldy]), Array(before[i * ldy + total ..< (i + 1) * ldy]),
                           "row \(i): the padding past the outputs is untouched")
        }
    }

    /// 4-bit rows are regrouped in block pairs; an odd block count leaves a half-empty last pair.
    func testFourBitRowsWithAnOddNumberOfBlocks() {
        var rng = SeededRandom(seed: 11)
        for cols in [32, 96, 352] {
            let rows = 7
            let m = QuantizedMatrix(rows: rows, cols: cols, values: rng.floats(rows * cols, scale: 0.3), type: .q4_1)
            let x = rng.floats(cols, scale: 2)
            let w = m.dequantised()
            assertClose(m.matvec(x), reference(w, rows: rows, cols: cols, x), scale: magnitudes(w, rows: rows, cols: cols, x), "Q4_1 ×\(cols)")
        }
    }

    func testLargeMatrixSplitsRowsOverCores() {
        var rng = SeededRandom(seed: 3)
        let (rows, cols) = (1536, 576)
        let m = QuantizedMatrix(rows: rows, cols: cols, values: rng.floats(rows * cols, scale: 0.1), type: .q4_1)
        let x = rng.floats(cols)
        let w = m.dequantised()
        assertClose(m.matvec(x), reference(w, rows: rows, cols: cols, x), scale: magnitudes(w, rows: rows, cols: cols, x), "Q4_1 1536×576")
    }

    /// Q4_0 and the converted types come from the gguf-py fixture file (the writer does not make them).
    func testFixtureTypesIncludingConvertedOnes() throws {
        let file = try GGUFReaderTests.fixture()
        let arena = WeightArena(chunkBytes: 1 << 20)
        var rng = SeededRandom(seed: 5)
        let x = rng.floats(256)
        for type in GGMLType.dequantisable {
            let m = try QuantizedMatrix(file: file, named: "\(type).data")
            let exact = try file.floats(named: "\(type).ref")
            let want = reference(exact, rows: 1, cols: 256, x)
            let scale = magnitudes(exact, rows: 1, cols: 256, x)
            let copied = try QuantizedMatrix(file: file, named: "\(type).data", arena: arena)
            XCTAssertEqual(copied.matvec(x), m.matvec(x), "\(type) copied")
            if QuantizedMatrix.kernelTypes.contains(type) {
                XCTAssertEqual(m.type, type)
                XCTAssertEqual(m.row(0), exact, "\(type) row")
                assertClose(m.matvec(x), want, scale: scale, "\(type) matvec")
            } else {
                XCTAssertEqual(m.type, type == .bf16 ? .f32 : .q8_0, "\(type) conversion")
                // Q8_0 re-encoding moves each value by at most half a step of its block's largest value / 127.
                assertClose(m.matvec(x), want, scale: scale, tolerance: 1.0 / 254, "\(type) converted matvec")
            }
        }
    }

    /// Memory for weights that the system cannot give is an error that says what to do, and the arena
    /// goes on serving requests it can meet.
    func testWeightMemoryThatCannotBeHadIsAnError() throws {
        let arena = WeightArena()
        XCTAssertThrowsError(try arena.allocate(1 << 60)) { error in
            XCTAssertEqual(error as? GGUFError, .outOfMemory(bytes: (1 << 60) + (1 << 21)))
            XCTAssertTrue("\(error)".contains("close other programs or use a smaller or more quantised model"), "\(error)")
        }
        XCTAssertThrowsError(try arena.allocate(.max)) { XCTAssertEqual($0 as? GGUFError, .outOfMemory(bytes: .max)) }
        let (pointer, owner) = try arena.allocate(4096)
        withExtendedLifetime(owner) { pointer.storeBytes(of: 7, as: Int.self) }
    }
}
