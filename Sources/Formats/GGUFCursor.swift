import Foundation

/// A bounds-checked little-endian reader over the bytes of a GGUF file: every read is checked
/// against the end of the buffer (with overflow checks) before memory is touched.
struct GGUFCursor {
    let base: UnsafeRawPointer
    let size: Int
    private(set) var offset: Int

    /// Arrays nest at most this deep (a deeper file is rejected rather than risking the stack).
    static let maxNesting = 16

    init(base: UnsafeRawPointer, size: Int, offset: Int = 0) {
        self.base = base
        self.size = size
        self.offset = offset
    }

    var remaining: Int { size - offset }

    // MARK: - Raw reads

    /// Advances over `count` bytes and returns where they start.
    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawPointer {
        guard count >= 0, count <= remaining else {
            throw GGUFError.truncated(what: what(), offset: offset, needed: count, size: size)
        }
        let p = base + offset
        offset += count
        return p
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let p = try skip(MemoryLayout<T>.size, what())
        return T(littleEndian: p.loadUnaligned(as: T.self))
    }

    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try read(UInt32.self, what()) }

    /// A 64-bit count or size that must fit an Int and be at most `limit`.
    mutating func count(_ what: @autoclosure () -> String, limit: Int) throws -> Int {
        let at = offset
        let raw = try read(UInt64.self, what())
        guard raw <= UInt64(Int.max), Int(raw) <= limit else {
            throw GGUFError.invalid(what: what(), offset: at, reason: "is \(raw), more than the \(limit) the rest of the file can hold")
        }
        return Int(raw)
    }

    /// A GGUF string: a 64-bit byte length, then UTF-8 bytes (invalid sequences are replaced).
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try count("length of \(what())", limit: remaining - 8 >= 0 ? remaining - 8 : 0)
        let p = try skip(length, what())
        return String(decoding: UnsafeRawBufferPointer(start: p, count: length), as: UTF8.self)
    }

    // MARK: - Metadata values

    /// The smallest number of bytes one value of a GGUF value type takes (nil: unknown type).
    static func minimumSize(ofValueType type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 10, 11, 12: return 8
        case 8: return 8          // length prefix
        case 9: return 12         // element type + count
        default: return nil
        }
    }

    /// One metadata value of GGUF value type `type` (arrays read recursively).
    mutating func value(type: UInt32, _ what: @autoclosure () -> String, depth: Int = 0) throws -> GGUFValue {
        let at = offset
        switch type {
        case 0: return .uint8(try read(UInt8.self, what()))
        case 1: return .int8(try read(Int8.self, what()))
        case 2: return .uint16(try read(UInt16.self, what()))
        case 3: return .int16(try read(Int16.self, what()))
        case 4: return .uint32(try read(UInt32.self, what()))
        case 5: return .int32(try read(Int32.self, what()))
        case 6: return .float32(Float(bitPattern: try read(UInt32.self, what())))
        case 7: return .bool(try read(UInt8.self, what()) != 0)
        case 8: return .string(try string(what()))
        case 9:
            guard depth < GGUFCursor.maxNesting else {
                throw GGUFError.invalid(what: what(), offset: at, reason: "nests arrays more than \(GGUFCursor.maxNesting) deep")
            }
            let elementType = try u32("element type of \(what())")
            guard let minSize = GGUFCursor.minimumSize(ofValueType: elementType) else {
                throw GGUFError.invalid(what: "element type of \(what())", offset: at, reason: "is \(elementType), not a GGUF value type (0...12)")
            }
            let n = try count("element count of \(what())", limit: remaining / minSize)
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for i in 0..<n {
                items.append(try value(type: elementType, "\(what())[\(i)]", depth: depth + 1))
            }
            return .array(items)
        case 10: return .uint64(try read(UInt64.self, what()))
        case 11: return .int64(try read(Int64.self, what()))
        case 12: return .float64(Double(bitPattern: try read(UInt64.self, what())))
        default:
            throw GGUFError.invalid(what: "value type of \(what())", offset: at - 4, reason: "is \(type), not a GGUF value type (0...12)")
        }
    }
}
