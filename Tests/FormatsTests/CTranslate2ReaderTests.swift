import Foundation
import XCTest
@testable import Formats
import Tensor

final class CTranslate2ReaderTests: XCTestCase {
    func testReadsVariablesScalarsAndAliases() throws {
        let (data, values) = CTranslate2Samples.smallFile()
        let file = try CTranslate2File(data: data)
        XCTAssertEqual(file.version, 6)
        XCTAssertEqual(file.specName, "WhisperSpec")
        XCTAssertEqual(file.specRevision, 3)
        XCTAssertEqual(file.variables.map(\.name), ["decoder/embeddings/weight", "decoder/layer_norm/gamma", "encoder/conv1/bias",
                                                    "encoder/num_heads", "decoder/activation"])
        XCTAssertEqual(file.variable(named: "decoder/embeddings/weight")?.shape, [4, 8])
        XCTAssertEqual(file.variable(named: "decoder/embeddings/weight")?.dtype, .float16)
        for (name, expected) in values { XCTAssertEqual(try file.floats(named: name), expected, name) }
        XCTAssertEqual(try file.floats(named: "decoder/projection/weight"), values["decoder/embeddings/weight"])
        XCTAssertEqual(try file.integer(named: "encoder/num_heads"), 6)
        XCTAssertEqual(try file.integer(named: "decoder/activation"), 3)
        XCTAssertEqual(file.aliases, ["decoder/projection/weight": "decoder/embeddings/weight"])
    }

    func testErrorsSayWhatIsWrong() throws {
        let (data, _) = CTranslate2Samples.smallFile()
        let file = try CTranslate2File(data: data)
        XCTAssertThrowsError(try file.floats(named: "decoder/layer_norm/gamma", shape: [9])) { error in
            XCTAssertTrue("\(error)".contains("has shape [8], the model needs [9]"), "\(error)")
        }
        XCTAssertThrowsError(try file.requireVariable("encoder/conv9/weight")) { error in
            XCTAssertTrue("\(error)".contains("has no variable 'encoder/conv9/weight'"), "\(error)")
        }
        XCTAssertThrowsError(try file.integer(named: "encoder/conv1/bias")) { error in
            XCTAssertTrue("\(error)".contains("not one integer"), "\(error)")
        }
        var bytes = [UInt8](data)
        bytes[0] = 5
        XCTAssertThrowsError(try CTranslate2File(data: Data(bytes))) { error in
            XCTAssertEqual(error as? CTranslate2Error, .unsupportedVersion(5))
        }
        XCTAssertThrowsError(try CTranslate2File(data: data.prefix(data.count - 3))) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try CTranslate2File(data: data + Data([0]))) { error in
            XCTAssertTrue("\(error)".contains("1 unexpected bytes"), "\(error)")
        }
        XCTAssertThrowsError(try CTranslate2File(url: URL(fileURLWithPath: "/no/such/model.bin"))) { error in
            XCTAssertTrue("\(error)".contains("cannot read CTranslate2 model file /no/such/model.bin"), "\(error)")
        }
    }

    func testRejectsInconsistentDescriptions() throws {
        var w = CTranslate2Writer()
        w.add("a", shape: [2, 2], float32: [1, 2, 3, 4])
        w.variables[0].bytes.removeLast(4)
        XCTAssertThrowsError(try CTranslate2File(data: w.data())) { error in
            XCTAssertTrue("\(error)".contains("declares 12 bytes, but [2, 2] values of float32 take 16"), "\(error)")
        }
        w = CTranslate2Writer()
        w.add("a", shape: [1], float32: [1])
        w.add("a", shape: [1], float32: [2])
        XCTAssertThrowsError(try CTranslate2File(data: w.data())) { XCTAssertTrue("\($0)".contains("appears twice"), "\($0)") }
        w = CTranslate2Writer()
        w.add("a", shape: [1], float32: [1])
        w.aliases = [("b", "missing")]
        XCTAssertThrowsError(try CTranslate2File(data: w.data())) { XCTAssertTrue("\($0)".contains("not a variable of the file"), "\($0)") }
        w = CTranslate2Writer()
        w.add("a", shape: [1], float32: [1])
        w.variables[0].dtype = 9
        XCTAssertThrowsError(try CTranslate2File(data: w.data())) { XCTAssertTrue("\($0)".contains("not a CTranslate2 type id"), "\($0)") }
    }

    /// The real tiny.en file, when it has been fetched: 4 + 4 layers, every variable checked.
    func testReadsWhisperTinyEnWhenPresent() throws {
        let url = EchoXHome.models.appendingPathComponent("whisper-tiny.en/model.bin")
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("whisper-tiny.en is not fetched (echox model fetch whisper-tiny.en)") }
        let file = try CTranslate2File(url: url)
        XCTAssertEqual(file.specName, "WhisperSpec")
        XCTAssertEqual(file.variable(named: "decoder/embeddings/weight")?.shape, [51864, 384])
        XCTAssertEqual(file.aliases["decoder/projection/weight"], "decoder/embeddings/weight")
        XCTAssertEqual(try file.integer(named: "encoder/num_heads"), 6)
    }
}
