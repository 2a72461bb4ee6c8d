import Foundation
import XCTest
@testable import Audio

final class FFTTests: XCTestCase {
    private func randomSignal(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix(seed)
        return (0..<n).map { _ in Float(rng.nextUnit() * 2 - 1) }
    }

    /// Direct O(n²) DFT in double precision.
    private func naiveDFT(_ x: [Float]) -> (re: [Double], im: [Double]) {
        let n = x.count
        var re = [Double](repeating: 0, count: n), im = re
        for k in 0..<n {
            for j in 0..<n {
                let angle = -2 * Double.pi * Double((k * j) % n) / Double(n)
                re[k] += Double(x[j]) * cos(angle)
                im[k] += Double(x[j]) * sin(angle)
            }
        }
        return (re, im)
    }

    func testRealFFTMatchesDirectDFTForManySizes() throws {
        for n in [2, 3, 8, 12, 15, 64, 100, 400, 512] {
            let x = randomSignal(n, seed: UInt64(n))
            let (re, im) = try RealFFT(size: n).forward(x)
            let reference = naiveDFT(x)
            var worst = 0.0
            for k in 0...(n / 2) {
                worst = max(worst, abs(Double(re[k]) - reference.re[k]), abs(Double(im[k]) - reference.im[k]))
            }
            XCTAssertLessThan(worst, 2e-4 * Double(n).squareRoot(), "size \(n)")
        }
    }

    func testInverseRestoresSignal() throws {
        for n in [4, 9, 10, 400, 512, 1000] {
            let fft = try RealFFT(size: n)
            let x = randomSignal(n, seed: 99)
            let (re, im) = try fft.forward(x)
            var y = [Float](repeating: 0, count: n)
            fft.inverse(real: re, imaginary: im, output: &y)
            for i in 0..<n { XCTAssertEqual(y[i], x[i], accuracy: 1e-5, "size \(n) sample \(i)") }
        }
    }

    func testComplexBluesteinRoundTrip() throws {
        let n = 24
        let fft = try ComplexFFT(size: n)
        var re = randomSignal(n, seed: 1), im = randomSignal(n, seed: 2)
        let (r0, i0) = (re, im)
        fft.transform(&re, &im, inverse: false)
        fft.transform(&re, &im, inverse: true)
        for i in 0..<n {
            XCTAssertEqual(re[i] / Float(n), r0[i], accuracy: 1e-5)
            XCTAssertEqual(im[i] / Float(n), i0[i], accuracy: 1e-5)
        }
    }

    func testBadSizesThrow() {
        XCTAssertThrowsError(try RealFFT(size: 1))
        XCTAssertThrowsError(try ComplexFFT(size: 0))
        XCTAssertThrowsError(try RealFFT(size: 8).forward([1, 2, 3]))
    }
}
