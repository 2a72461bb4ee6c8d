import XCTest
@testable import NN
import Tensor

/// Loading parameter values by name: exact copies, and clear errors for missing, unexpected and mismatched keys.
final class StateDictTests: XCTestCase {
    final class Block: Module {
        var norm = LayerNorm(4)
        var convs: [Conv1d]
        init(rng: inout SeededRandom) {
            convs = [Conv1d(inChannels: 4, outChannels: 4, kernelSize: 3, rng: &rng),
                     Conv1d(inChannels: 4, outChannels: 2, kernelSize: 1, bias: false, rng: &rng)]
            super.init()
        }
    }

    func testLoadCopiesValuesInPlace() throws {
        var rng = SeededRandom(seed: 71)
        let source = Block(rng: &rng), target = Block(rng: &rng)
        XCTAssertEqual(Set(source.stateDict.keys), ["norm.weight", "norm.bias", "convs.0.weight", "convs.0.bias", "convs.1.weight"])
        let before = target.convs[0].weight
        let snapshot = source.stateDict.mapValues { $0.copy() }
        let report = try target.load(parameters: snapshot)
        XCTAssertTrue(report.missing.isEmpty && report.unexpected.isEmpty)
        XCTAssertTrue(target.convs[0].weight === before, "parameters are updated in place")
        for (name, t) in source.stateDict { XCTAssertEqual(target.stateDict[name]!.scalars, t.scalars, name) }
    }

    func testErrorsNameTheKeys() throws {
        var rng = SeededRandom(seed: 72)
        let model = Block(rng: &rng)
        var values = model.stateDict.mapValues { $0.copy() }
        values["convs.1.weight"] = nil
        values["head.weight"] = Tensor(zeros: [2])
        XCTAssertThrowsError(try model.load(parameters: values)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("missing 1 parameter(s): 'convs.1.weight'"), text)
            XCTAssertTrue(text.contains("unexpected key(s): 'head.weight'"), text)
        }
        let original = model.norm.weight.scalars
        values["norm.weight"] = Tensor(repeating: 5, shape: [4])
        let report = try model.load(parameters: values, strict: false)
        XCTAssertEqual(report.missing, ["convs.1.weight"])
        XCTAssertEqual(report.unexpected, ["head.weight"])
        XCTAssertEqual(model.norm.weight.scalars, [5, 5, 5, 5])
        XCTAssertNotEqual(original, [5, 5, 5, 5])

        values["norm.bias"] = Tensor(zeros: [5])
        values["norm.weight"] = Tensor(repeating: 9, shape: [4])
        XCTAssertThrowsError(try model.load(parameters: values, strict: false)) { error in
            XCTAssertTrue("\(error)".contains("'norm.bias' (model [4], given [5])"), "\(error)")
        }
        XCTAssertEqual(model.norm.weight.scalars, [5, 5, 5, 5], "nothing is copied when loading fails")
    }
}
