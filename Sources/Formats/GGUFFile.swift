import Foundation

/// A GGUF file (versions 2 and 3): metadata, tensor descriptions, and tensor data that stays
/// memory-mapped (read-only) for as long as this object lives.
///
/// Every count, length, type and offset is checked before use, so a malformed or truncated file
/// throws a `GGUFError` instead of crashing.
///
/// Shapes follow ggml: a tensor's `dims[0]` (ggml `ne[0]`) is its innermost dimension, the number
/// of columns; `floats(of:)` returns row-major values of shape `dims.reversed()`. A weight
/// [out, in] therefore has `dims == [in, out]`, `rows == out`, `cols == in`.
public final class GGUFFile: @unchecked Sendable {
    /// The format version (2 or 3).
    public let version: Int
    /// Metadata key/values.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor descriptions in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of tensor data (`general.alignment`, default 32).
    public let alignment: Int
    /// Byte offset of the data section in the file.
    public let dataOffset: Int
    /// Size of the file in bytes.
    public var byteCount: Int { storage.size }

    private let storage: GGUFStorage
    private let index: [String: Int]

    /// The default alignment of tensor data when `general.alignment` is absent.
    public static let defaultAlignment = 32

    // MARK: - Opening

    /// Opens and memory-maps the file at `url`.
    public convenience init(url: URL) throws {
        try self.init(storage: GGUFStorage(mapping: url))
    }

    /// Parses a GGUF file held in memory (the bytes are copied).
    public convenience init(data: Data) throws {
        try self.init(storage: GGUFStorage(copying: data))
    }

    private init(storage: GGUFStorage) throws {
        self.storage = storage
        var cursor = GGUFCursor(base: storage.base, size: storage.size)
        let magic = try cursor.u32("magic")
        guard magic == 0x4655_4747 else { throw GGUFError.badMagic(found: magic) }
        let version = Int(try cursor.u32("version"))
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(version) }
        self.version = version
        // A tensor info takes at least 32 bytes, a key/value at least 13.
        let tensorCount = try cursor.count("tensor count", limit: cursor.remaining / 32)
        let kvCount = try cursor.count("metadata key/value count", limit: max(0, cursor.remaining - 8) / 13)

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(kvCount)
        for i in 0..<kvCount {
            let keyOffset = cursor.offset
            let key = try cursor.string("key of metadata entry \(i)")
            let type = try cursor.u32("value type of '\(key)'")
            let value = try cursor.value(type: type, "value of '\(key)'")
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw GGUFError.invalid(what: "metadata key '\(key)'", offset: keyOffset, reason: "appears twice")
            }
            keys.append(key)
        }
        self.metadata = metadata
        self.metadataKeys = keys

        var alignment = GGUFFile.defaultAlignment
        if let value = metadata["general.alignment"] {
            guard let a = value.int, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
                throw GGUFError.invalid(what: "general.alignment", offset: 0, reason: "is \(value), not a power of two up to 2^20")
            }
            alignment = a
        }
        self.alignment = alignment

        var infos: [GGUFTensorInfo] = []
        infos.reserveCapacity(tensorCount)
        var index: [String: Int] = [:]
        for i in 0..<tensorCount {
            let info = try GGUFFile.readTensorInfo(&cursor, number: i, alignment: alignment)
            guard index.updateValue(i, forKey: info.name) == nil else {
                throw GGUFError.badTensor(name: info.name, reason: "the name appears twice")
            }
            infos.append(info)
        }
        let (padded, overflow) = cursor.offset.addingReportingOverflow(alignment - 1)
        guard !overflow else { throw GGUFError.invalid(what: "end of the header", offset: cursor.offset, reason: "overflows") }
        let dataOffset = padded / alignment * alignment
        for info in infos {
            let end = dataOffset.addingReportingOverflow(info.offset)
            let last = end.partialValue.addingReportingOverflow(info.byteCount)
            guard !end.overflow, !last.overflow, last.partialValue <= storage.size else {
                throw GGUFError.badTensor(name: info.name, reason: "its \(info.byteCount) bytes at data offset \(info.offset) (file offset \(dataOffset) + \(info.offset)) pass the end of the file (\(storage.size) bytes); the file is truncated")
            }
        }
        self.dataOffset = dataOffset
        self.tensors = infos
        self.index = index
    }

    private static func readTensorInfo(_ cursor: inout GGUFCursor, number i: Int, alignment: Int) throws -> GGUFTensorInfo {
        let at = cursor.offset
        let name = try cursor.string("name of tensor \(i)")
        let rank = Int(try cursor.u32("rank of tensor '\(name)'"))
        guard (1...4).contains(rank) else {
            throw GGUFError.badTensor(name: name, reason: "it has \(rank) dimensions (at offset \(at)); ggml tensors have 1 to 4")
        }
        var dims: [Int] = []
        var count = 1
        for d in 0..<rank {
            let raw = try cursor.read(UInt64.self, "dimension \(d) of tensor '\(name)'")
            guard raw <= UInt64(Int.max) else {
                throw GGUFError.badTensor(name: name, reason: "dimension \(d) is \(raw), too large")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(raw))
            guard !overflow else {
                throw GGUFError.badTensor(name: name, reason: "its dimensions \(dims + [Int(raw)]) multiply to more than \(Int.max)")
            }
            dims.append(Int(raw))
            count = product
        }
        let typeID = try cursor.u32("type of tensor '\(name)'")
        guard let type = GGMLType(rawValue: typeID) else { throw GGUFError.unknownType(id: typeID, tensor: name) }
        guard dims[0] % type.blockSize == 0, let bytes = type.byteCount(values: count) else {
            throw GGUFError.badTensor(name: name, reason: "its row length \(dims[0]) is not a whole number of \(type) blocks (\(type.blockSize) values)")
        }
        let offsetAt = cursor.offset
        let rawOffset = try cursor.read(UInt64.self, "data offset of tensor '\(name)'")
        guard rawOffset <= UInt64(Int.max), Int(rawOffset) % alignment == 0 else {
            throw GGUFError.invalid(what: "data offset of tensor '\(name)'", offset: offsetAt, reason: "is \(rawOffset), not a multiple of the alignment \(alignment)")
        }
        return GGUFTensorInfo(name: name, dims: dims, type: type, offset: Int(rawOffset), byteCount: bytes)
    }

    // MARK: - Tensors

    /// The tensor called `name`, if any.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The tensor called `name`, or an error saying it is missing.
    public func requireTensor(_ name: String) throws -> GGUFTensorInfo {
        guard let info = tensor(named: name) else { throw GGUFError.noSuchTensor(name) }
        return info
    }

    /// The stored bytes of a tensor of this file (valid while this object lives).
    public func rawBytes(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        precondition(info.offset + info.byteCount + dataOffset <= storage.size, "tensor '\(info.name)' is not from this file")
        return UnsafeRawBufferPointer(start: storage.base + dataOffset + info.offset, count: info.byteCount)
    }

    /// All values of a tensor dequantised to float32, row-major (`info.shape`).
    public func floats(of info: GGUFTensorInfo) throws -> [Float] {
        let raw = rawBytes(of: info)
        return try [Float](unsafeUninitializedCapacity: info.count) { buffer, initialised in
            if let out = buffer.baseAddress, info.count > 0 {
                try Dequantize.values(info.type, from: raw.baseAddress!, count: info.count, into: out, tensor: info.name)
            }
            initialised = info.count
        }
    }

    /// All values of the tensor called `name`, dequantised (see `floats(of:)`).
    public func floats(named name: String) throws -> [Float] {
        try floats(of: requireTensor(name))
    }

    /// Keeps the file's bytes alive; used by views into the mapping such as `QuantizedMatrix`.
    var owner: AnyObject { storage }
}
