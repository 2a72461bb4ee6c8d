import Foundation
@testable import Formats
import Tensor

/// Writes files in the CTranslate2 model format (the layout of `ModelSpec._serialize`), for tests.
struct CTranslate2Writer {
    var version: UInt32 = 6
    var spec = "WhisperSpec"
    var revision: UInt32 = 3
    var variables: [(name: String, shape: [Int], dtype: UInt8, bytes: [UInt8])] = []
    var aliases: [(String, String)] = []

    mutating func add(_ name: String, shape: [Int], float16 values: [Float]) {
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: floatToHalf(v).littleEndian) { bytes += $0 } }
        variables.append((name, shape, 4, bytes))
    }

    mutating func add(_ name: String, shape: [Int], float32 values: [Float]) {
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        variables.append((name, shape, 0, bytes))
    }

    mutating func add(_ name: String, int16 value: Int16) {
        variables.append((name, [], 2, withUnsafeBytes(of: value.littleEndian) { Array($0) }))
    }

    mutating func add(_ name: String, int8 value: Int8) {
        variables.append((name, [], 1, [UInt8(bitPattern: value)]))
    }

    func data() -> Data {
        var out = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) {
            let bytes = Array(s.utf8) + [0]
            withUnsafeBytes(of: UInt16(bytes.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes)
        }
        u32(version); string(spec); u32(revision)
        u32(UInt32(variables.count))
        for v in variables {
            string(v.name)
            out.append(UInt8(v.shape.count))
            for d in v.shape { u32(UInt32(d)) }
            out.append(v.dtype)
            u32(UInt32(v.bytes.count))
            out.append(contentsOf: v.bytes)
        }
        u32(UInt32(aliases.count))
        for (a, t) in aliases { string(a); string(t) }
        return out
    }
}

enum CTranslate2Samples {
    /// Halves exactly representable in float16, so that written and read values compare equal.
    static func halves(_ n: Int, _ rng: inout SeededRandom) -> [Float] {
        (0..<n).map { _ in Float(Int.random(in: -512...512, using: &rng)) / 256 }
    }

    /// A small file: float16 [4, 8] and [8], float32 [2, 3], two scalars and an alias.
    static func smallFile(seed: UInt64 = 1) -> (data: Data, values: [String: [Float]]) {
        var rng = SeededRandom(seed: seed)
        var w = CTranslate2Writer()
        let a = halves(32, &rng), b = halves(8, &rng), c = (0..<6).map { _ in Float.random(in: -1...1, using: &rng) }
        w.add("decoder/embeddings/weight", shape: [4, 8], float16: a)
        w.add("decoder/layer_norm/gamma", shape: [8], float16: b)
        w.add("encoder/conv1/bias", shape: [2, 3], float32: c)
        w.add("encoder/num_heads", int16: 6)
        w.add("decoder/activation", int8: 3)
        w.aliases = [("decoder/projection/weight", "decoder/embeddings/weight")]
        return (w.data(), ["decoder/embeddings/weight": a, "decoder/layer_norm/gamma": b, "encoder/conv1/bias": c])
    }

    /// Byte ranges of the variables' data in `smallFile`, and where the alias section starts.
    static func dataRanges(_ file: CTranslate2File) -> [Range<Int>] {
        file.variables.map { $0.offset..<($0.offset + $0.byteCount) }
    }
}
