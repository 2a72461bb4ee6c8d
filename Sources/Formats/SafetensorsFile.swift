import Foundation
import Tensor

/// A validated safetensors file: its metadata, tensor entries (in buffer order) and their values.
public struct SafetensorsFile: @unchecked Sendable {
    /// One tensor's header entry; `byteRange` is relative to the start of the data buffer.
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let dtype: SafetensorsDType
        public let shape: [Int]
        public let byteRange: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    public let metadata: [String: String]
    public let entries: [Entry]
    let data: Data
    let bufferStart: Int
    let index: [String: Int]

    init(metadata: [String: String], entries: [Entry], data: Data, bufferStart: Int) {
        self.metadata = metadata
        self.entries = entries
        self.data = data
        self.bufferStart = bufferStart
        index = Dictionary(entries.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
    }

    /// Tensor names in buffer order.
    public var names: [String] { entries.map(\.name) }

    public func contains(_ name: String) -> Bool { index[name] != nil }

    public func entry(named name: String) throws -> Entry {
        guard let i = index[name] else {
            let known = names.prefix(8).joined(separator: ", ")
            throw SafetensorsError("no tensor named '\(name)' (the file has \(entries.count): \(known)\(entries.count > 8 ? ", …" : ""))")
        }
        return entries[i]
    }

    // MARK: - Values

    /// A floating-point tensor (F32, F16, BF16 or F64) as a float32 Tensor of the stored shape.
    public func tensor(named name: String) throws -> Tensor {
        let e = try entry(named: name)
        guard e.dtype.isFloatingPoint else {
            throw SafetensorsError("tensor '\(name)' is \(e.dtype.rawValue), not floating point; read it with ints(named:)")
        }
        let out = Tensor(zeros: e.shape), dst = out.data, n = e.count
        withBytes(of: e) { src in
            switch e.dtype {
            case .f32:
                #if _endian(little)
                UnsafeMutableRawPointer(dst).copyMemory(from: src.baseAddress!, byteCount: n * 4)
                #else
                for i in 0..<n { dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                #endif
            case .f16:
                for i in 0..<n { dst[i] = SafetensorsDType.floatFromHalf(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case .bf16:
                for i in 0..<n { dst[i] = SafetensorsDType.floatFromBFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case .f64:
                for i in 0..<n { dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
            default: break
            }
        }
        return out
    }

    /// An integer or boolean tensor's values in row-major order (e.g. step counters, token ids).
    public func ints(named name: String) throws -> [Int] {
        let e = try entry(named: name)
        guard e.dtype.isInteger else {
            throw SafetensorsError("tensor '\(name)' is \(e.dtype.rawValue), not an integer type; read it with tensor(named:)")
        }
        return try withBytes(of: e) { src -> [Int] in
            try (0..<e.count).map { i -> Int in
                switch e.dtype {
                case .bool, .u8: return Int(src[i])
                case .i8: return Int(Int8(bitPattern: src[i]))
                case .i16: return Int(Int16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                case .u16: return Int(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                case .i32: return Int(Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .u32: return Int(UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                case .i64: return Int(Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                default:
                    let v = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                    guard let x = Int(exactly: v) else { throw SafetensorsError("tensor '\(name)' element \(i) = \(v) does not fit in Int") }
                    return x
                }
            }
        }
    }

    /// Every floating-point tensor, in buffer order (integer tensors are skipped).
    public func floatTensors() throws -> [(String, Tensor)] {
        try entries.filter(\.dtype.isFloatingPoint).map { ($0.name, try tensor(named: $0.name)) }
    }

    /// Every floating-point tensor keyed by name (for `Module.load(parameters:)`).
    public func tensorsByName() throws -> [String: Tensor] {
        Dictionary(try floatTensors(), uniquingKeysWith: { a, _ in a })
    }

    /// The raw little-endian bytes of one tensor.
    public func bytes(named name: String) throws -> Data {
        let e = try entry(named: name)
        let s = data.startIndex + bufferStart
        return data.subdata(in: (s + e.byteRange.lowerBound)..<(s + e.byteRange.upperBound))
    }

    func withBytes<R>(of e: Entry, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try data.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[(bufferStart + e.byteRange.lowerBound)..<(bufferStart + e.byteRange.upperBound)]))
        }
    }
}
