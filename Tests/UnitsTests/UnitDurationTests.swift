import Foundation
@testable import Units
import XCTest

/// Rounding and calibration of predicted unit durations.
final class UnitDurationTests: XCTestCase {
    func testRoundingKeepsTheRunningTotal() {
        // Each 1.4 alone rounds to 1 (total 5); carried, the total stays 7.
        XCTAssertEqual(UnitDurationPredictor.rounded([1.4, 1.4, 1.4, 1.4, 1.4]), [1, 2, 1, 2, 1])
        // Values below one frame still last one frame; values above 50 are capped.
        XCTAssertEqual(UnitDurationPredictor.rounded([0.1, 0.1, 80]), [1, 1, 50])
        let values: [Float] = (0..<200).map { Float(1 + ($0 * 37) % 11) * 0.37 }
        let total = UnitDurationPredictor.rounded(values).reduce(0) { $0 + Int($1) }
        XCTAssertEqual(Double(total), Double(values.reduce(0, +)), accuracy: 1)
    }

    func testCalibratedDurationsAddUpToTheMeasuredOnes() throws {
        var config = UnitVocoderConfig(units: 8)
        config.durationDim = 8
        let predictor = try UnitDurationPredictor(config, seed: 3)
        predictor.eval()
        // Predictions near log(1 + 2): about two frames per unit before calibration.
        predictor.output.bias!.data.update(repeating: Foundation.log(3), count: 1)
        // Runs of 1…9 frames over the eight units.
        let sequences: [[Int32]] = (0..<4).map { s in
            (0..<30).flatMap { i in [Int32](repeating: Int32((i + s) % 8), count: 1 + (i * 5 + s) % 9) }
        }
        let scale = try UnitDurationCalibration.scale(predictor, frameUnits: sequences)
        XCTAssertTrue(scale.isFinite && scale > 0)
        var measured = 0, predicted = 0
        for sequence in sequences {
            let (units, durations) = UnitSequence.deduplicate(sequence)
            measured += durations.reduce(0) { $0 + Int($1) }
            predicted += try predictor.durations(units, scale: scale).reduce(0) { $0 + Int($1) }
        }
        XCTAssertEqual(Double(predicted), Double(measured), accuracy: Double(measured) * 0.03)
        XCTAssertThrowsError(try predictor.durations([1, 2], scale: 0))
        XCTAssertEqual(try UnitDurationCalibration.scale(predictor, frameUnits: [[]]), 1)
        // Without calibration the total misses by far more than the tolerance above.
        let uncalibrated = try sequences.reduce(0) { $0 + (try predictor.durations(UnitSequence.deduplicate($1).units)).reduce(0) { $0 + Int($1) } }
        XCTAssertGreaterThan(abs(uncalibrated - measured), measured / 10)
    }
}
