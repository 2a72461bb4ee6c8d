import Foundation
import XCTest
@testable import Audio

final class ResamplerTests: XCTestCase {
    /// Resamples a 1 kHz sine and checks frequency (zero crossings over ≥ 1 s) and power, away from the edges.
    private func checkSine(from input: Int, to output: Int, frequency: Double = 1000,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let x = sine(frequency, rate: input, seconds: 1.4)
        let y = try Resampler.resample(x, from: input, to: output)
        XCTAssertEqual(y.count, Int((Double(x.count) * Double(output) / Double(input)).rounded(.up)), file: file, line: line)
        let middle = y[(output / 10)..<(y.count - output / 10)]   // 1.2 s
        let measured = zeroCrossingFrequency(middle, rate: output)
        let powerDB = 10 * log10(meanSquare(middle) / meanSquare(x[(input / 10)..<(x.count - input / 10)]))
        print("resample \(input)→\(output): \(frequency) Hz measured \(String(format: "%.6f", measured)) Hz (error \(String(format: "%.1e", abs(measured - frequency))) Hz), power change \(String(format: "%.5f", powerDB)) dB")
        XCTAssertEqual(measured, frequency, accuracy: 1, file: file, line: line)
        XCTAssertEqual(powerDB, 0, accuracy: 0.1, file: file, line: line)
    }

    func testSine44kTo16k() throws { try checkSine(from: 44_100, to: 16_000) }
    func testSine8kTo16k() throws { try checkSine(from: 8_000, to: 16_000) }
    func testSine48kTo16k() throws { try checkSine(from: 48_000, to: 16_000) }
    func testSine22kTo16k() throws { try checkSine(from: 22_050, to: 16_000, frequency: 3_000) }
    /// 16001/44100 has more phases than the table: the interpolated path.
    func testSineAtAwkwardRatio() throws { try checkSine(from: 44_100, to: 16_001) }

    func testAboveNewNyquistIsRejected() throws {
        let x = sine(10_000, rate: 44_100, seconds: 1)
        let y = try Resampler.resample(x, from: 44_100, to: 16_000)
        let attenuation = 10 * log10(meanSquare(y[1_600..<14_400]) / meanSquare(x[...]))
        print("10 kHz tone after 44.1k→16k: \(String(format: "%.1f", attenuation)) dB")
        XCTAssertLessThan(attenuation, -60)
    }

    func testEqualRatesCopyAndBadRatesThrow() throws {
        XCTAssertEqual(try Resampler.resample([1, 2, 3], from: 16_000, to: 16_000), [1, 2, 3])
        XCTAssertEqual(try Resampler.resample([], from: 8_000, to: 16_000), [])
        XCTAssertThrowsError(try Resampler.resample([1], from: 0, to: 16_000))
        XCTAssertThrowsError(try Resampler.resample([1], from: 16_000, to: -5))
        XCTAssertThrowsError(try Resampler.resample([1, 2], from: 1_536_000, to: 1)) { error in
            XCTAssertTrue("\(error)".contains("two steps"), "\(error)")
        }
    }

    func testSpeedOfTenSecondsAt44k() throws {
        let x = sine(440, rate: 44_100, seconds: 10)
        let resampler = try Resampler(from: 44_100, to: 16_000)
        let start = Date()
        let y = resampler.process(x)
        let ms = Date().timeIntervalSince(start) * 1000
        print("resample 10 s 44.1k→16k: \(String(format: "%.1f", ms)) ms")
        XCTAssertEqual(y.count, 160_000)
    }
}
