import Foundation
import Tensor

/// One tensor ready to be written: name, dtype, shape and its little-endian bytes.
public struct SafetensorsRecord: Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    public let bytes: Data

    /// Raw bytes of `dtype` elements; their count must match the shape.
    public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: Data) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw SafetensorsError("tensor '\(name)' has a negative dimension in \(shape)") }
        guard bytes.count == shape.reduce(1, *) * dtype.size else {
            throw SafetensorsError("tensor '\(name)': \(bytes.count) bytes do not hold \(dtype.rawValue) \(shape)")
        }
        self.name = name; self.dtype = dtype; self.shape = shape; self.bytes = bytes
    }

    /// A float32 tensor stored as F32 (exact), F16 or BF16 (rounded to nearest even).
    public init(name: String, tensor: Tensor, as dtype: SafetensorsDType = .f32) throws {
        let n = tensor.count, src = tensor.data
        var bytes: Data
        switch dtype {
        case .f32:
            #if _endian(little)
            bytes = Data(bytes: src, count: n * 4)
            #else
            bytes = Data(count: n * 4)
            bytes.withUnsafeMutableBytes { dst in for i in 0..<n { dst.storeBytes(of: src[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) } }
            #endif
        case .f16, .bf16:
            bytes = Data(count: n * 2)
            bytes.withUnsafeMutableBytes { dst in
                for i in 0..<n {
                    let half = dtype == .f16 ? SafetensorsDType.halfFromFloat(src[i]) : SafetensorsDType.bfloatFromFloat(src[i])
                    dst.storeBytes(of: half.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            }
        default:
            throw SafetensorsError("tensor '\(name)': writing float tensors as \(dtype.rawValue) is not supported (use F32, F16 or BF16)")
        }
        try self.init(name: name, dtype: dtype, shape: tensor.shape, bytes: bytes)
    }

    /// Integers (e.g. a step counter) stored as I64 or I32; `shape` defaults to [count].
    public init(name: String, ints: [Int], shape: [Int]? = nil, as dtype: SafetensorsDType = .i64) throws {
        var bytes = Data()
        switch dtype {
        case .i64:
            for v in ints { withUnsafeBytes(of: Int64(v).littleEndian) { bytes.append(contentsOf: $0) } }
        case .i32:
            for v in ints {
                guard let x = Int32(exactly: v) else { throw SafetensorsError("tensor '\(name)': \(v) does not fit in I32") }
                withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) }
            }
        default: throw SafetensorsError("tensor '\(name)': writing integers as \(dtype.rawValue) is not supported (use I64 or I32)")
        }
        try self.init(name: name, dtype: dtype, shape: shape ?? [ints.count], bytes: bytes)
    }
}

extension Safetensors {
    // MARK: - Writing

    /// Writes float32 tensors (as `dtype`) and string metadata atomically.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:],
                             as dtype: SafetensorsDType = .f32, to url: URL) throws {
        try write(tensors.map { try SafetensorsRecord(name: $0.0, tensor: $0.1, as: dtype) }, metadata: metadata, to: url)
    }

    /// Writes records in the given order atomically (temporary file, then rename).
    public static func write(_ records: [SafetensorsRecord], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(encode(records, metadata: metadata), to: url)
    }

    /// The bytes of a file: header length, JSON header padded with spaces to a multiple of 8 bytes,
    /// then the tensors' bytes back to back in the order given.
    public static func encode(_ records: [SafetensorsRecord], metadata: [String: String] = [:]) throws -> Data {
        var seen = Set<String>()
        for r in records {
            guard r.name != "__metadata__" else { throw SafetensorsError("'__metadata__' is reserved and cannot name a tensor") }
            guard seen.insert(r.name).inserted else { throw SafetensorsError("tensor name '\(r.name)' appears twice") }
        }
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for r in records {
            let shape = r.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(r.name)):{\"dtype\":\"\(r.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + r.bytes.count)]}")
            offset += r.bytes.count
        }
        var header = Data("{\(fields.joined(separator: ","))}".utf8)
        header.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(header)
        for r in records { out.append(r.bytes) }
        return out
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
