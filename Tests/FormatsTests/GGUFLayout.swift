import Foundation

/// Where each count, length, type and offset field of a valid GGUF file sits, found by walking the
/// header independently of the reader under test, so that a fuzz test can overwrite one field and
/// know what the reader must say about it.
struct GGUFLayout {
    enum Field: Equatable {
        /// A 64-bit count or length: tensor count, key/value count, a string's length, an array's count.
        case count
        /// A 32-bit value type of a metadata value or of an array's elements.
        case valueType
        /// A tensor's 32-bit rank, one of its 64-bit dimensions, its 32-bit type, its 64-bit data offset.
        case rank(tensor: String), dimension(tensor: String), tensorType(tensor: String), dataOffset(tensor: String)

        /// Width of the field in bytes.
        var width: Int {
            switch self {
            case .count, .dimension, .dataOffset: return 8
            case .valueType, .rank, .tensorType: return 4
            }
        }
    }

    /// Every field in file order, with its offset.
    private(set) var fields: [(offset: Int, field: Field)] = []
    /// The end of the header (before the alignment padding).
    private(set) var headerEnd = 0

    private let bytes: [UInt8]
    private var at = 0

    init(_ data: Data) {
        bytes = [UInt8](data)
        at = 8
        let tensors = count(), entries = count()
        for _ in 0..<entries {
            _ = string()
            value(type: u32(.valueType))
        }
        for _ in 0..<tensors {
            let name = string()
            let rank = u32(.rank(tensor: name))
            for _ in 0..<rank { _ = u64(.dimension(tensor: name)) }
            _ = u32(.tensorType(tensor: name))
            _ = u64(.dataOffset(tensor: name))
        }
        headerEnd = at
    }

    private mutating func u32(_ field: Field) -> Int {
        fields.append((at, field))
        defer { at += 4 }
        return (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
    }

    private mutating func u64(_ field: Field) -> Int {
        fields.append((at, field))
        defer { at += 8 }
        return (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
    }

    private mutating func count() -> Int { u64(.count) }

    private mutating func string() -> String {
        let length = count()
        defer { at += length }
        return String(decoding: bytes[at..<at + length], as: UTF8.self)
    }

    private mutating func value(type: Int) {
        switch type {
        case 0, 1, 7: at += 1
        case 2, 3: at += 2
        case 4, 5, 6: at += 4
        case 10, 11, 12: at += 8
        case 8: _ = string()
        case 9:
            let element = u32(.valueType)
            for _ in 0..<count() { value(type: element) }
        default: fatalError("GGUFLayout walks valid files only; value type \(type) at \(at)")
        }
    }
}
