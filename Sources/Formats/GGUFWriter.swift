import Foundation

/// Builds a GGUF version 3 file: metadata in insertion order, then tensors (F32, F16, Q8_0, Q4_1
/// from floats, or already-encoded bytes of any type), written atomically.
public struct GGUFWriter {
    /// Alignment of tensor data; other than 32 it is recorded as `general.alignment`.
    public var alignment: Int
    /// Metadata entries in the order they will be written.
    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    private var tensors: [(name: String, dims: [Int], type: GGMLType, bytes: Data)] = []

    public init(alignment: Int = GGUFFile.defaultAlignment) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        self.alignment = alignment
    }

    // MARK: - Content

    /// Sets a metadata value (replacing an earlier value of the same key in place).
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) { metadata[i].value = value }
        else { metadata.append((key, value)) }
    }

    /// Adds a tensor of row-major `shape` (outermost first) from float values, encoded as `type`.
    public mutating func addTensor(name: String, shape: [Int], values: [Float], type: GGMLType = .f32) throws {
        guard Quantize.supported.contains(type) else {
            throw GGUFError.cannotWrite("tensor '\(name)': encoding to \(type) is not supported (use \(Quantize.supported.map { "\($0)" }.joined(separator: ", ")))")
        }
        let dims = Array(shape.reversed())
        try checkShape(name: name, dims: dims, type: type, count: values.count)
        var bytes = Data(count: type.byteCount(values: values.count)!)
        values.withUnsafeBufferPointer { src in
            bytes.withUnsafeMutableBytes { dst in
                if !values.isEmpty { Quantize.values(type, from: src.baseAddress!, count: values.count, into: dst.baseAddress!) }
            }
        }
        tensors.append((name, dims, type, bytes))
    }

    /// Adds a tensor whose bytes are already encoded as `type`; `dims` in ggml order (columns first).
    public mutating func addEncodedTensor(name: String, dims: [Int], type: GGMLType, bytes: Data) throws {
        let count = dims.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? -1 : $0 * $1 }
        try checkShape(name: name, dims: dims, type: type, count: count)
        guard type.byteCount(values: count) == bytes.count else {
            throw GGUFError.cannotWrite("tensor '\(name)': \(bytes.count) bytes do not hold \(count) \(type) values")
        }
        tensors.append((name, dims, type, bytes))
    }

    private func checkShape(name: String, dims: [Int], type: GGMLType, count: Int) throws {
        guard !tensors.contains(where: { $0.name == name }) else { throw GGUFError.cannotWrite("tensor '\(name)' is added twice") }
        guard (1...4).contains(dims.count), dims.allSatisfy({ $0 >= 0 }), count >= 0, dims.reduce(1, *) == count else {
            throw GGUFError.cannotWrite("tensor '\(name)': shape \(Array(dims.reversed())) does not hold \(count) values (1 to 4 dimensions)")
        }
        guard dims[0] % type.blockSize == 0 else {
            throw GGUFError.cannotWrite("tensor '\(name)': rows of \(dims[0]) values are not whole \(type) blocks of \(type.blockSize); use F32 or F16")
        }
    }

    // MARK: - Encoding

    /// The complete file.
    public func data() throws -> Data {
        var entries = metadata
        if alignment != GGUFFile.defaultAlignment, !entries.contains(where: { $0.key == "general.alignment" }) {
            entries.insert(("general.alignment", .uint32(UInt32(alignment))), at: 0)
        }
        var out = Data()
        out.append(le: UInt32(0x4655_4747))
        out.append(le: UInt32(3))
        out.append(le: UInt64(tensors.count))
        out.append(le: UInt64(entries.count))
        for (key, value) in entries {
            out.appendString(key)
            out.append(le: try GGUFWriter.typeID(value, key: key))
            try GGUFWriter.append(value, to: &out, key: key)
        }
        var offset = 0
        for t in tensors {
            out.appendString(t.name)
            out.append(le: UInt32(t.dims.count))
            for d in t.dims { out.append(le: UInt64(d)) }
            out.append(le: t.type.rawValue)
            out.append(le: UInt64(offset))
            offset += padded(t.bytes.count)
        }
        out.append(Data(count: padded(out.count) - out.count))
        for t in tensors {
            out.append(t.bytes)
            out.append(Data(count: padded(t.bytes.count) - t.bytes.count))
        }
        return out
    }

    /// Writes the file atomically (temporary file + rename).
    public func write(to url: URL) throws {
        try AtomicFile.write(data(), to: url)
    }

    private func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    static func typeID(_ value: GGUFValue, key: String) throws -> UInt32 {
        switch value {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    static func append(_ value: GGUFValue, to out: inout Data, key: String) throws {
        switch value {
        case .uint8(let v): out.append(le: v)
        case .int8(let v): out.append(le: v)
        case .uint16(let v): out.append(le: v)
        case .int16(let v): out.append(le: v)
        case .uint32(let v): out.append(le: v)
        case .int32(let v): out.append(le: v)
        case .float32(let v): out.append(le: v.bitPattern)
        case .bool(let v): out.append(le: UInt8(v ? 1 : 0))
        case .string(let s): out.appendString(s)
        case .uint64(let v): out.append(le: v)
        case .int64(let v): out.append(le: v)
        case .float64(let v): out.append(le: v.bitPattern)
        case .array(let items):
            let elementType = try items.first.map { try typeID($0, key: key) } ?? 0
            for item in items where try typeID(item, key: key) != elementType {
                throw GGUFError.cannotWrite("metadata '\(key)': array elements must all have one type, found \(item) among \(items.first!)")
            }
            out.append(le: elementType)
            out.append(le: UInt64(items.count))
            for item in items { try append(item, to: &out, key: key) }
        }
    }
}

// MARK: - Little-endian appends

extension Data {
    mutating func append<T: FixedWidthInteger>(le value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendString(_ s: String) {
        let utf8 = Array(s.utf8)
        append(le: UInt64(utf8.count))
        append(contentsOf: utf8)
    }
}
