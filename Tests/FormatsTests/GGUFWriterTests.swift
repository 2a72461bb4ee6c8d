import Tensor
import XCTest
@testable import Formats

final class GGUFWriterTests: XCTestCase {
    func testRoundTripThroughAFile() throws {
        var rng = SeededRandom(seed: 7)
        var writer = GGUFWriter()
        writer.set("general.name", .string("round trip"))
        writer.set("x.list", .array([.int32(3), .int32(-4)]))
        writer.set("x.u64", .uint64(UInt64.max))
        let values = rng.floats(4 * 64, scale: 3)
        for type in [GGMLType.f32, .f16, .q8_0, .q4_1] {
            try writer.addTensor(name: "w.\(type)", shape: [4, 64], values: values, type: type)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-writer-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.gguf")
        try writer.write(to: url)

        let file = try GGUFFile(url: url)
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.metadataKeys, ["general.name", "x.list", "x.u64"])
        XCTAssertEqual(file.metadata["x.list"], .array([.int32(3), .int32(-4)]))
        XCTAssertEqual(file.metadata["x.u64"], .uint64(UInt64.max))
        // Error bounds of each encoding: exact, half precision, d/2 per block for Q8_0 and Q4_1.
        let tolerances: [(GGMLType, Float)] = [(.f32, 0), (.f16, 3 * 0x1p-11), (.q8_0, 3 / 127 * 0.51 + 1e-3), (.q4_1, 6 / 15 * 0.51 + 4e-3)]
        for (type, tolerance) in tolerances {
            let info = try file.requireTensor("w.\(type)")
            XCTAssertEqual(info.shape, [4, 64])
            XCTAssertEqual(info.type, type)
            let back = try file.floats(of: info)
            let worst = zip(back, values).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, tolerance, "\(type)")
            if type != .f32 { XCTAssertGreaterThan(worst, 0, "\(type) should be lossy") }
        }
        // Re-encoding the bytes read back gives the same file.
        var copy = GGUFWriter()
        for (key, value) in writer.metadata { copy.set(key, value) }
        for info in file.tensors {
            try copy.addEncodedTensor(name: info.name, dims: info.dims, type: info.type, bytes: Data(file.rawBytes(of: info)))
        }
        XCTAssertEqual(try copy.data(), try Data(contentsOf: url))
    }

    func testCustomAlignmentAndVersion2() throws {
        var writer = GGUFWriter(alignment: 128)
        try writer.addTensor(name: "t", shape: [3], values: [1, 2, 3])
        var data = try writer.data()
        data[4] = 2 // version 2 has the same layout as 3
        let file = try GGUFFile(data: data)
        XCTAssertEqual(file.version, 2)
        XCTAssertEqual(file.alignment, 128)
        XCTAssertEqual(file.dataOffset % 128, 0)
        XCTAssertEqual(try file.floats(named: "t"), [1, 2, 3])
        data[4] = 1
        XCTAssertThrowsError(try GGUFFile(data: data)) { XCTAssertEqual($0 as? GGUFError, .unsupportedVersion(1)) }
    }

    func testWriterRejectsBadInput() throws {
        var writer = GGUFWriter()
        XCTAssertThrowsError(try writer.addTensor(name: "t", shape: [2, 3], values: [1, 2, 3]))
        XCTAssertThrowsError(try writer.addTensor(name: "q", shape: [1, 20], values: Array(repeating: 0, count: 20), type: .q8_0)) {
            XCTAssertTrue("\($0)".contains("blocks"), "\($0)")
        }
        XCTAssertThrowsError(try writer.addTensor(name: "k", shape: [256], values: Array(repeating: 0, count: 256), type: .q4_K))
        writer.set("mixed", .array([.int32(1), .string("x")]))
        XCTAssertThrowsError(try writer.data())
    }

    func testErrorsSayWhatAndWhere() throws {
        let (data, _) = try GGUFSamples.smallFile()
        XCTAssertThrowsError(try GGUFFile(data: data.prefix(3))) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try GGUFFile(data: Data("GGML".utf8) + data.dropFirst(4))) { error in
            XCTAssertTrue("\(error)".contains("not a GGUF file"), "\(error)")
        }
        XCTAssertThrowsError(try GGUFFile(data: data.prefix(data.count - 30))) { error in
            XCTAssertTrue("\(error)".contains("c.q4_1") && "\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try GGUFFile(url: URL(fileURLWithPath: "/nonexistent/model.gguf"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/model.gguf"), "\(error)")
        }
    }
}
