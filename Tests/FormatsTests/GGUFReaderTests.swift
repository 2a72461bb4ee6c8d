import XCTest
@testable import Formats

/// The reader and the dequantisers against `Resources/quants.gguf`, written by the PyPI `gguf`
/// package (see `Resources/make_gguf_fixtures.py`).
final class GGUFReaderTests: XCTestCase {
    static func fixture() throws -> GGUFFile {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/quants", withExtension: "gguf"),
                                "quants.gguf is missing: run Tests/FormatsTests/Resources/make_gguf_fixtures.py")
        return try GGUFFile(url: url)
    }

    // MARK: - Header and metadata

    func testMetadataOfEveryValueType() throws {
        let file = try Self.fixture()
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 64)
        XCTAssertEqual(file.dataOffset % 64, 0)
        let m = file.metadata
        XCTAssertEqual(m["general.architecture"], .string("fixture"))
        XCTAssertEqual(m["test.u8"], .uint8(200))
        XCTAssertEqual(m["test.i8"], .int8(-100))
        XCTAssertEqual(m["test.u16"], .uint16(60000))
        XCTAssertEqual(m["test.i16"], .int16(-30000))
        XCTAssertEqual(m["test.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(m["test.i32"], .int32(-2_000_000_000))
        XCTAssertEqual(m["test.f32"], .float32(0.15625))
        XCTAssertEqual(m["test.bool"], .bool(true))
        XCTAssertEqual(m["test.string"], .string("héllo, GGUF"))
        XCTAssertEqual(m["test.u64"], .uint64(18_000_000_000_000_000_000))
        XCTAssertEqual(m["test.i64"], .int64(-9_000_000_000_000_000_000))
        XCTAssertEqual(m["test.f64"], .float64(-2.5e-300))
        XCTAssertEqual(m.strings("test.strings"), ["a", "", "ünïcode"])
        XCTAssertEqual(m.ints("test.ints"), [1, -2, 3])
        XCTAssertEqual(m["test.nested"], .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])]))
        XCTAssertEqual(m.int("test.u16"), 60000)
        XCTAssertNil(m.int("test.string"))
        XCTAssertThrowsError(try m.requireInt("llama.block_count")) { error in
            XCTAssertTrue("\(error)".contains("llama.block_count"))
        }
        XCTAssertEqual(file.metadataKeys.first, "general.architecture")
    }

    func testTensorInfosUseGGMLDimensionOrder() throws {
        let file = try Self.fixture()
        let source = try XCTUnwrap(file.tensor(named: "source"))
        XCTAssertEqual(source.dims, [256, 2])     // ne[0] = columns
        XCTAssertEqual(source.shape, [2, 256])    // row-major, as numpy wrote it
        XCTAssertEqual([source.rows, source.cols], [2, 256])
        XCTAssertEqual(source.type, .f32)
        XCTAssertEqual(file.tensors.count, 1 + 2 * 11)
        XCTAssertNil(file.tensor(named: "nope"))
        XCTAssertThrowsError(try file.floats(named: "nope")) { XCTAssertEqual($0 as? GGUFError, .noSuchTensor("nope")) }
        for info in file.tensors { XCTAssertEqual(info.offset % 64, 0, info.name) }
    }

    // MARK: - Dequantisation, every type

    /// Exact: every dequantiser does the same float32 operations in the same order as gguf-py
    /// (f16 scale → float, products and sums without fused multiply-add), so the bits must agree.
    func testDequantisationMatchesGGUFPyBitForBit() throws {
        let file = try Self.fixture()
        for type in GGMLType.dequantisable {
            let data = try XCTUnwrap(file.tensor(named: "\(type).data"), "\(type)")
            XCTAssertEqual(data.type, type)
            let values = try file.floats(of: data)
            let reference = try file.floats(named: "\(type).ref")
            XCTAssertEqual(values.count, 256)
            XCTAssertEqual(values.map(\.bitPattern), reference.map(\.bitPattern), "\(type) differs from gguf-py")
        }
    }

    func testUnsupportedTypeNamesTheType() throws {
        var writer = GGUFWriter()
        try writer.addEncodedTensor(name: "w", dims: [256], type: .q2_K, bytes: Data(count: 84))
        let file = try GGUFFile(data: try writer.data())
        XCTAssertThrowsError(try file.floats(named: "w")) { error in
            XCTAssertTrue("\(error)".contains("Q2_K") && "\(error)".contains("id 10"), "\(error)")
        }
    }

    // MARK: - Quantisers against gguf-py

    func testQuantisersMatchGGUFPyBytes() throws {
        let file = try Self.fixture()
        let source = Array(try file.floats(named: "source")[0..<256])
        for type in [GGMLType.f16, .q8_0, .q4_1] {
            let expected = file.rawBytes(of: try file.requireTensor("\(type).data"))
            var mine = [UInt8](repeating: 0, count: type.byteCount(values: 256)!)
            mine.withUnsafeMutableBytes { Quantize.values(type, from: source, count: 256, into: $0.baseAddress!) }
            XCTAssertEqual(mine, Array(expected), "\(type) bytes differ from gguf-py")
        }
    }

    func testHalfConversionRoundTripsEveryHalf() {
        for bits in 0...UInt16.max {
            let f = halfToFloat(bits)
            if f.isNaN { XCTAssertTrue(halfToFloat(floatToHalf(f)).isNaN); continue }
            XCTAssertEqual(floatToHalf(f), bits, "half 0x\(String(bits, radix: 16))")
        }
        XCTAssertEqual(floatToHalf(65520), 0x7C00)        // ties to even: rounds up to infinity
        XCTAssertEqual(floatToHalf(65519.99), 0x7BFF)
        XCTAssertEqual(floatToHalf(1 + 0x1p-11), 0x3C00)  // tie, even stays
        XCTAssertEqual(floatToHalf(1 + 3 * 0x1p-11), 0x3C02)
    }
}
