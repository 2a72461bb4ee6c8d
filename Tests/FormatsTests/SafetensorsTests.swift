import Foundation
import XCTest
@testable import Formats
import Tensor

/// safetensors round trips, half-precision conversions, validation errors and a mutation fuzz loop.
final class SafetensorsTests: XCTestCase {
    var rng = SeededRandom(seed: 51)

    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("echox-st-\(getpid())-\(name)")
    }

    func sampleFile() throws -> Data {
        let a = Tensor.randn([2, 3], rng: &rng), b = Tensor.randn([5], rng: &rng)
        return try Safetensors.encode([
            SafetensorsRecord(name: "layer.weight", tensor: a),
            SafetensorsRecord(name: "layer.bias", tensor: b, as: .f16),
            SafetensorsRecord(name: "step", ints: [1234]),
        ], metadata: ["format": "pt", "note": "quote \" and \\ and\nnewline"])
    }

    // MARK: - Round trips

    func testRoundTripThroughFile() throws {
        let a = Tensor.randn([3, 4], rng: &rng), b = Tensor.randn([7], rng: &rng), empty = Tensor(zeros: [0, 5])
        let url = temporaryURL("roundtrip.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write([("a", a), ("b.c", b), ("empty", empty)], metadata: ["epoch": "3"], to: url)
        let file = try Safetensors.read(url)
        XCTAssertEqual(file.names, ["a", "b.c", "empty"])
        XCTAssertEqual(file.metadata, ["epoch": "3"])
        XCTAssertEqual(try file.tensor(named: "a").scalars, a.scalars)
        XCTAssertEqual(try file.tensor(named: "b.c").shape, [7])
        XCTAssertEqual(try file.tensor(named: "b.c").scalars, b.scalars)
        XCTAssertEqual(try file.tensor(named: "empty").shape, [0, 5])
        XCTAssertEqual(try file.tensorsByName()["a"]?.scalars, a.scalars)
        XCTAssertEqual(try file.floatTensors().map(\.0), ["a", "b.c", "empty"])
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        let headerLength = try Data(contentsOf: url).prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }
        XCTAssertEqual(headerLength % 8, 0, "header padded to 8 bytes")
        XCTAssertEqual(size, 8 + headerLength + (12 + 7) * 4)
    }

    func testHalfPrecisionAndIntegers() throws {
        let file = try Safetensors.parse(sampleFile())
        XCTAssertEqual(file.metadata["note"], "quote \" and \\ and\nnewline")
        XCTAssertEqual(try file.entry(named: "layer.bias").dtype, .f16)
        XCTAssertEqual(try file.ints(named: "step"), [1234])
        let values: [Float] = [0, 1, -2.5, 65504, 1e-7, 3.14159, -0.0009765625, 1e6]
        let t = Tensor(values, shape: [8])
        let data = try Safetensors.encode([SafetensorsRecord(name: "h", tensor: t, as: .f16),
                                           SafetensorsRecord(name: "b", tensor: t, as: .bf16),
                                           SafetensorsRecord(name: "i", ints: [-3, 7], shape: [2, 1], as: .i32)])
        let back = try Safetensors.parse(data)
        XCTAssertEqual(try back.tensor(named: "h").scalars, values.map { Float(Float16($0)) })
        let bf = try back.tensor(named: "b").scalars
        for (x, y) in zip(values, bf) { XCTAssertEqual(x, y, accuracy: Swift.abs(x) / 128 + 1e-30) }
        XCTAssertEqual(bf[1], 1)
        XCTAssertEqual(bf[2], -2.5)
        XCTAssertEqual(try back.ints(named: "i"), [-3, 7])
        XCTAssertEqual(try back.entry(named: "i").shape, [2, 1])
        XCTAssertEqual(SafetensorsDType.bfloatFromFloat(Float(bitPattern: 0x3F80_8000)), 0x3F80, "ties round to even")
        XCTAssertEqual(SafetensorsDType.bfloatFromFloat(Float(bitPattern: 0x3F81_8000)), 0x3F82, "ties round to even")
    }

    // MARK: - Errors

    func assertError(_ data: Data, contains phrase: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Safetensors.parse(data), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(phrase), "\(error) should mention '\(phrase)'", file: file, line: line)
        }
    }

    func file(header: String, buffer: Int) -> Data {
        var d = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(Data(header.utf8))
        d.append(Data(count: buffer))
        return d
    }

    func testValidationErrors() throws {
        assertError(Data([1, 2, 3]), contains: "shorter than the 8-byte header length")
        let good = try sampleFile()
        assertError(good.prefix(good.count - 3), contains: "lie outside the")
        assertError(good + Data([0, 0]), contains: "trailing or missing bytes")
        assertError(good.prefix(20), contains: "exceeds")
        assertError(file(header: "[1,2]", buffer: 0), contains: "does not start with '{'")
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]", buffer: 8), contains: "not valid JSON")
        assertError(file(header: "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", buffer: 8), contains: "unknown dtype")
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", buffer: 8), contains: "needs 12")
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", buffer: 8), contains: "outside")
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", buffer: 8), contains: "negative")
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", buffer: 8), contains: "[begin, end]")
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", buffer: 8),
                    contains: "overlap")
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", buffer: 8), contains: "gap")
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", buffer: 8),
                    contains: "too large")
        assertError(file(header: "{\"__metadata__\":{\"k\":1}}", buffer: 0), contains: "not valid JSON")
        let parsed = try Safetensors.parse(good)
        XCTAssertThrowsError(try parsed.tensor(named: "missing"))
        XCTAssertThrowsError(try parsed.tensor(named: "step"))
        XCTAssertThrowsError(try parsed.ints(named: "layer.weight"))
        XCTAssertThrowsError(try Safetensors.encode([SafetensorsRecord(name: "x", ints: [1]), SafetensorsRecord(name: "x", ints: [2])]))
        XCTAssertThrowsError(try Safetensors.encode([SafetensorsRecord(name: "__metadata__", ints: [1])]))
        XCTAssertThrowsError(try Safetensors.read(temporaryURL("does-not-exist")))
    }

    // MARK: - Fuzz

    /// Mutated copies of a valid file, each with the outcome its mutation implies: a truncation or a
    /// changed header length is rejected, changes confined to the data buffer leave the header's
    /// entries as they were, and anything else loads or throws a `SafetensorsError` that says something.
    func testMutatedFilesHaveTheOutcomeTheirMutationImplies() throws {
        let good = try sampleFile()
        let original = try Safetensors.parse(good)
        let headerLength = good.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }
        var failures = 0, successes = 0
        for round in 0..<400 {
            var d = good
            var mustFail = false, dataOnly = false
            switch round % 4 {
            case 0:                                                               // truncation
                d = d.prefix(rng.int(below: d.count))
                mustFail = true
            case 1:                                                               // bytes anywhere
                let positions = (0...rng.int(below: 4)).map { _ in rng.int(below: d.count) }
                for i in positions { d[i] = UInt8(truncatingIfNeeded: rng.next()) }
                dataOnly = positions.allSatisfy { $0 >= 8 + headerLength }
            case 2:                                                               // header length
                d[rng.int(below: 8)] = UInt8(truncatingIfNeeded: rng.next())
                mustFail = d != good
            default:                                                              // inside the JSON header
                d[8 + rng.int(below: headerLength)] = [UInt8(ascii: "0"), UInt8(ascii: "9"), UInt8(ascii: "]"),
                                                        UInt8(ascii: "\""), UInt8(ascii: "-"), 0xFF][rng.int(below: 6)]
            }
            do {
                let f = try Safetensors.parse(d)
                for e in f.entries {
                    if e.dtype.isFloatingPoint { XCTAssertEqual(try f.tensor(named: e.name).count, e.count) }
                    else if e.dtype.isInteger { XCTAssertEqual(try f.ints(named: e.name).count, e.count) }
                }
                if dataOnly { XCTAssertEqual(f.entries, original.entries, "round \(round): only data bytes changed") }
                XCTAssertFalse(mustFail, "round \(round): a truncated file or a changed header length was accepted")
                successes += 1
            } catch let error as SafetensorsError {
                XCTAssertFalse(dataOnly, "round \(round): only data bytes changed, yet \(error)")
                XCTAssertGreaterThan(error.description.count, "safetensors: ".count + 20, "round \(round): \(error)")
                failures += 1
            }
        }
        print("safetensors fuzz: \(failures) of 400 mutated files rejected with an error, \(successes) still valid")
        XCTAssertGreaterThan(failures, 150, "most mutations must be detected")
    }
}
