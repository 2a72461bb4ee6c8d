import Foundation

// Reads the model.bin files of CTranslate2 (format written by `ModelSpec._serialize` in
// https://github.com/OpenNMT/CTranslate2/blob/master/python/ctranslate2/specs/model_spec.py).
//
// Layout, little-endian throughout:
//   uint32 binary version (6)
//   string spec name (e.g. "WhisperSpec"), uint32 spec revision
//   uint32 variable count, then per variable:
//     string name, uint8 rank, rank × uint32 dims, uint8 dtype, uint32 byte count, the raw bytes
//   uint32 alias count, then per alias: string alias, string target variable
// A string is a uint16 length that counts a closing NUL, then that many bytes.

// MARK: - Types

/// The element types of CTranslate2 variables, by their ids in the file.
public enum CTranslate2DType: UInt8, Sendable, CustomStringConvertible {
    case float32 = 0, int8 = 1, int16 = 2, int32 = 3, float16 = 4, bfloat16 = 5

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .int8: return 1
        case .int16, .float16, .bfloat16: return 2
        case .float32, .int32: return 4
        }
    }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        }
    }
}

/// One stored variable: its name, shape (row-major, outermost first), type and where its bytes are.
public struct CTranslate2Variable: Sendable, Equatable {
    public let name: String
    /// Row-major dimensions; empty for a scalar.
    public let shape: [Int]
    public let dtype: CTranslate2DType
    /// Byte offset of the data in the file.
    public let offset: Int
    public let byteCount: Int
    /// Number of elements (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }
}

// MARK: - File

/// A CTranslate2 model file (binary version 6), memory-mapped read-only for as long as this object lives.
///
/// Every count, length, dimension and size is checked before use: a truncated or altered file
/// throws a `CTranslate2Error` that says where it went wrong, it never crashes.
public final class CTranslate2File: @unchecked Sendable {
    /// The binary versions this reader reads.
    public static let supportedVersions: ClosedRange<Int> = 6...6
    /// Variables have at most this many dimensions.
    public static let maxRank = 8

    public let version: Int
    /// The model specification's name ("WhisperSpec") and revision.
    public let specName: String
    public let specRevision: Int
    /// Variables in file order.
    public let variables: [CTranslate2Variable]
    /// Alias name → the variable it stands for (e.g. a tied output projection).
    public let aliases: [String: String]
    public var byteCount: Int { storage.size }

    private let storage: GGUFStorage
    private let index: [String: Int]

    /// Opens and memory-maps `url`.
    public convenience init(url: URL) throws {
        let storage: GGUFStorage
        do { storage = try GGUFStorage(mapping: url) } catch let error as GGUFError {
            if case .io(let path, let reason) = error { throw CTranslate2Error.io(path: path, reason: reason) }
            throw CTranslate2Error.truncated(what: "binary version", offset: 0, needed: 4, size: 0)
        }
        try self.init(storage: storage)
    }

    /// Parses a file held in memory (the bytes are copied).
    public convenience init(data: Data) throws {
        try self.init(storage: GGUFStorage(copying: data))
    }

    private init(storage: GGUFStorage) throws {
        self.storage = storage
        var cursor = CTranslate2Cursor(base: storage.base, size: storage.size)
        let version = Int(try cursor.u32("binary version"))
        guard CTranslate2File.supportedVersions.contains(version) else { throw CTranslate2Error.unsupportedVersion(version) }
        self.version = version
        specName = try cursor.string("spec name")
        specRevision = Int(try cursor.u32("spec revision"))
        // A variable takes at least 2 (name) + 1 (rank) + 1 (dtype) + 4 (size) = 8 bytes; an alias 4.
        let count = Int(try cursor.u32("variable count"))
        guard count <= cursor.remaining / 8 else {
            throw CTranslate2Error.invalid(what: "variable count", offset: cursor.offset - 4, reason: "is \(count), more than the rest of the file (\(cursor.remaining) bytes) can hold")
        }
        var variables: [CTranslate2Variable] = []
        variables.reserveCapacity(count)
        var index: [String: Int] = [:]
        for i in 0..<count {
            let variable = try CTranslate2File.readVariable(&cursor, number: i)
            guard index.updateValue(i, forKey: variable.name) == nil else {
                throw CTranslate2Error.badVariable(name: variable.name, reason: "the name appears twice")
            }
            variables.append(variable)
        }
        let aliasCount = Int(try cursor.u32("alias count"))
        guard aliasCount <= cursor.remaining / 4 else {
            throw CTranslate2Error.invalid(what: "alias count", offset: cursor.offset - 4, reason: "is \(aliasCount), more than the rest of the file (\(cursor.remaining) bytes) can hold")
        }
        var aliases: [String: String] = [:]
        for i in 0..<aliasCount {
            let at = cursor.offset
            let alias = try cursor.string("name of alias \(i)")
            let target = try cursor.string("target of alias '\(alias)'")
            guard index[target] != nil else {
                throw CTranslate2Error.invalid(what: "alias '\(alias)'", offset: at, reason: "names '\(target)', which is not a variable of the file")
            }
            guard index[alias] == nil, aliases.updateValue(target, forKey: alias) == nil else {
                throw CTranslate2Error.invalid(what: "alias '\(alias)'", offset: at, reason: "reuses the name of a variable or of another alias")
            }
        }
        guard cursor.remaining == 0 else {
            throw CTranslate2Error.invalid(what: "end of the file", offset: cursor.offset, reason: "is followed by \(cursor.remaining) unexpected bytes")
        }
        self.variables = variables
        self.aliases = aliases
        self.index = index
    }

    private static func readVariable(_ cursor: inout CTranslate2Cursor, number i: Int) throws -> CTranslate2Variable {
        let name = try cursor.string("name of variable \(i)")
        let rankAt = cursor.offset
        let rank = Int(try cursor.u8("rank of '\(name)'"))
        guard rank <= maxRank else {
            throw CTranslate2Error.invalid(what: "rank of '\(name)'", offset: rankAt, reason: "is \(rank); variables have at most \(maxRank) dimensions")
        }
        var shape: [Int] = []
        var elements = 1
        for d in 0..<rank {
            let dim = Int(try cursor.u32("dimension \(d) of '\(name)'"))
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= Int(UInt32.max) else {
                throw CTranslate2Error.badVariable(name: name, reason: "its dimensions \(shape + [dim]) hold more values than a uint32 byte count can describe")
            }
            shape.append(dim)
            elements = product
        }
        let typeAt = cursor.offset
        let typeID = try cursor.u8("type of '\(name)'")
        guard let dtype = CTranslate2DType(rawValue: typeID) else {
            throw CTranslate2Error.invalid(what: "type of '\(name)'", offset: typeAt, reason: "is \(typeID), not a CTranslate2 type id (0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16)")
        }
        let byteCount = Int(try cursor.u32("byte count of '\(name)'"))
        guard byteCount == elements * dtype.size else {
            throw CTranslate2Error.badVariable(name: name, reason: "it declares \(byteCount) bytes, but \(shape) values of \(dtype) take \(elements * dtype.size)")
        }
        let offset = cursor.offset
        _ = try cursor.skip(byteCount, "data of '\(name)'")
        return CTranslate2Variable(name: name, shape: shape, dtype: dtype, offset: offset, byteCount: byteCount)
    }

    // MARK: - Variables

    /// The variable called `name`, or the one an alias of that name stands for.
    public func variable(named name: String) -> CTranslate2Variable? {
        if let i = index[name] { return variables[i] }
        return aliases[name].flatMap { index[$0] }.map { variables[$0] }
    }

    /// The variable called `name`, or an error saying it is missing.
    public func requireVariable(_ name: String) throws -> CTranslate2Variable {
        guard let v = variable(named: name) else { throw CTranslate2Error.noSuchVariable(name, spec: specName) }
        return v
    }

    /// The stored bytes of a variable of this file (valid while this object lives).
    public func rawBytes(of v: CTranslate2Variable) -> UnsafeRawBufferPointer {
        precondition(v.offset >= 0 && v.offset + v.byteCount <= storage.size, "variable '\(v.name)' is not from this file")
        return UnsafeRawBufferPointer(start: storage.base + v.offset, count: v.byteCount)
    }

    /// All values of a variable as float32, row-major (integers converted, halves widened exactly).
    public func floats(of v: CTranslate2Variable) -> [Float] {
        let raw = rawBytes(of: v)
        return [Float](unsafeUninitializedCapacity: v.count) { out, initialised in
            for i in 0..<v.count { out[i] = CTranslate2File.value(raw, i, v.dtype) }
            initialised = v.count
        }
    }

    /// The values of the variable (or alias) `name`, checked to have `shape` when given.
    public func floats(named name: String, shape: [Int]? = nil) throws -> [Float] {
        let v = try requireVariable(name)
        if let shape, v.shape != shape {
            throw CTranslate2Error.badVariable(name: name, reason: "it has shape \(v.shape), the model needs \(shape)")
        }
        return floats(of: v)
    }

    /// A scalar integer variable (e.g. `encoder/num_heads`).
    public func integer(named name: String) throws -> Int {
        let v = try requireVariable(name)
        guard v.count == 1, [.int8, .int16, .int32].contains(v.dtype) else {
            throw CTranslate2Error.badVariable(name: name, reason: "it is \(v.dtype) of shape \(v.shape), not one integer")
        }
        return Int(CTranslate2File.value(rawBytes(of: v), 0, v.dtype))
    }

    @inline(__always)
    private static func value(_ raw: UnsafeRawBufferPointer, _ i: Int, _ dtype: CTranslate2DType) -> Float {
        let p = raw.baseAddress!
        switch dtype {
        case .float32: return Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        case .float16: return halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        case .bfloat16: return bfloat16ToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        case .int8: return Float(p.load(fromByteOffset: i, as: Int8.self))
        case .int16: return Float(Int16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
        case .int32: return Float(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
        }
    }
}

// MARK: - Cursor

/// Bounds-checked little-endian reads over the file's bytes.
struct CTranslate2Cursor {
    let base: UnsafeRawPointer
    let size: Int
    private(set) var offset = 0

    init(base: UnsafeRawPointer, size: Int) { self.base = base; self.size = size }

    var remaining: Int { size - offset }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawPointer {
        guard count >= 0, count <= remaining else {
            throw CTranslate2Error.truncated(what: what(), offset: offset, needed: count, size: size)
        }
        defer { offset += count }
        return base + offset
    }

    mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 { try skip(1, what()).load(as: UInt8.self) }
    mutating func u16(_ what: @autoclosure () -> String) throws -> UInt16 { UInt16(littleEndian: try skip(2, what()).loadUnaligned(as: UInt16.self)) }
    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { UInt32(littleEndian: try skip(4, what()).loadUnaligned(as: UInt32.self)) }

    /// A uint16 length (closing NUL included), then the UTF-8 bytes and the NUL.
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let at = offset
        let length = Int(try u16("length of \(what())"))
        guard length >= 1 else {
            throw CTranslate2Error.invalid(what: what(), offset: at, reason: "has length 0; strings end with a NUL that the length counts")
        }
        let p = try skip(length, what())
        guard p.load(fromByteOffset: length - 1, as: UInt8.self) == 0 else {
            throw CTranslate2Error.invalid(what: what(), offset: at, reason: "does not end with a NUL byte")
        }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: length - 1), as: UTF8.self)
    }
}
