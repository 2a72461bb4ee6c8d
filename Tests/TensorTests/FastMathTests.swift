import Foundation
import Tensor
import XCTest

final class FastMathTests: XCTestCase {
    func testVectorExpMatchesLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let v = FastMath.exp(SIMD8<Float>((0..<8).map { x + Float($0) * 0.0137 }))
            for k in 0..<8 {
                let exact = Foundation.exp(Double(x + Float(k) * 0.0137))
                worst = max(worst, Float(abs(Double(v[k]) - exact) / exact))
            }
            x += 0.173
        }
        XCTAssertLessThan(worst, 5e-7, "worst relative error \(worst)")
        let extremes = FastMath.exp(SIMD8<Float>(-1000, -104, -88, 0, 1, 88.5, 100, 1000))
        XCTAssertEqual(extremes[0], 0, accuracy: 1e-37)
        XCTAssertEqual(extremes[3], 1)
        XCTAssertTrue(extremes[6].isFinite && extremes[7].isFinite, "large inputs saturate instead of overflowing")
    }

    func testSoftmaxRowSumsToOneWithTail() {
        let values: [Float] = (0..<13).map { Float($0) * 0.7 - 4 }
        var out = [Float](repeating: 0, count: 13)
        values.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { y in Softmax.row(x.baseAddress!, y.baseAddress!, 13) } }
        XCTAssertEqual(out.reduce(0, +), 1, accuracy: 1e-6)
        let z = values.map { Foundation.exp(Double($0)) }.reduce(0, +)
        for (o, v) in zip(out, values) { XCTAssertEqual(Double(o), Foundation.exp(Double(v)) / z, accuracy: 1e-7) }
    }
}
