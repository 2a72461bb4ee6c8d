import Dispatch
import Foundation
import Tensor

/// A weight matrix [rows = out, cols = in] kept in a compact ggml block format (F32, F16, Q8_0,
/// Q4_0 or Q4_1), with float32 products that decode blocks on the fly.
///
/// Loaded from a GGUF file the matrix points into the file's mapping (no copy; the file stays
/// mapped while the matrix lives), except Q4_0 and Q4_1 rows, which are regrouped once into the
/// `NibblePairs` layout (same values, read faster). Types without a kernel here are converted once at load:
/// Q5_0, Q5_1, Q4_K, Q5_K and Q6_K to Q8_0 (8 bits per value keep their 4–6 bit levels within
/// 1/254 of the block's largest value, at about the same memory) and BF16 to F32 (exact).
public final class QuantizedMatrix: @unchecked Sendable {
    /// Output size (rows of the weight).
    public let rows: Int
    /// Input size (values per row).
    public let cols: Int
    /// The stored block format.
    public let type: GGMLType
    /// Bytes per stored row (Q4_0 and Q4_1 in the `NibblePairs` layout).
    public let rowBytes: Int

    private let base: UnsafeRawPointer
    private let owner: AnyObject

    /// The types with a product kernel.
    public static let kernelTypes: [GGMLType] = [.f32, .f16, .q8_0, .q4_0, .q4_1]

    // MARK: - Construction

    /// The matrix of `info` (a 1- to 4-D tensor of `file`; outer dimensions are folded into rows).
    /// With an `arena`, the stored blocks are copied into it (so the matrix no longer keeps the file
    /// mapped, and sits in huge pages); without, they stay in the mapping.
    public init(file: GGUFFile, tensor info: GGUFTensorInfo, arena: WeightArena? = nil) throws {
        rows = info.rows
        cols = info.cols
        if NibblePairs.holds(info.type) {
            type = info.type
            (rowBytes, base, owner) = try QuantizedMatrix.regrouped(file.rawBytes(of: info), type: type, rows: rows, cols: cols,
                                                                    allocate: { try QuantizedMatrix.storage($0, arena: arena) })
            return
        }
        if QuantizedMatrix.kernelTypes.contains(info.type) {
            type = info.type
            rowBytes = info.type.byteCount(values: info.cols)!
            let raw = file.rawBytes(of: info)
            if let arena {
                let (pointer, keeper) = try QuantizedMatrix.storage(raw.count, arena: arena)
                if raw.count > 0 { pointer.copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
                (base, owner) = (UnsafeRawPointer(pointer), keeper)
            } else {
                (base, owner) = (raw.baseAddress ?? UnsafeRawPointer(bitPattern: 64)!, file.owner)
            }
            return
        }
        let target: GGMLType = info.type == .bf16 ? .f32 : .q8_0
        guard info.type.isDequantisable, info.cols % target.blockSize == 0 else {
            throw GGUFError.unsupportedType(info.type, tensor: info.name)
        }
        let values = try file.floats(of: info)
        let converted = try QuantizedMatrix.encode(values, rows: info.rows, cols: info.cols, type: target,
                                                   allocate: { try QuantizedMatrix.storage($0, arena: arena) })
        (type, rowBytes, base, owner) = (target, converted.rowBytes, converted.base, converted.owner)
    }

    /// The matrix called `name` in `file` (see `init(file:tensor:arena:)`).
    public convenience init(file: GGUFFile, named name: String, arena: WeightArena? = nil) throws {
        try self.init(file: file, tensor: file.requireTensor(name), arena: arena)
    }

    /// Encodes row-major float values [rows, cols] as `type` (one of `Quantize.supported`).
    public init(rows: Int, cols: Int, values: [Float], type: GGMLType) {
        precondition(values.count == rows * cols, "\(values.count) values do not fill \(rows)×\(cols)")
        precondition(Quantize.supported.contains(type) && cols % type.blockSize == 0, "cannot encode rows of \(cols) as \(type)")
        let encoded = QuantizedMatrix.encode(values, rows: rows, cols: cols, type: type, allocate: { OwnedBytes(count: $0).pointerAndOwner })
        (self.rows, self.cols, self.type) = (rows, cols, type)
        (rowBytes, base, owner) = (encoded.rowBytes, encoded.base, encoded.owner)
    }

    /// Bytes handed out for a matrix's storage, with the object that keeps them alive.
    typealias Allocator = (Int) throws -> (pointer: UnsafeMutableRawPointer, owner: AnyObject)

    private static func encode(_ values: [Float], rows: Int, cols: Int, type: GGMLType,
                               allocate: Allocator) rethrows -> (rowBytes: Int, base: UnsafeRawPointer, owner: AnyObject) {
        let rowBytes = type.byteCount(values: cols)!
        let nibbles = NibblePairs.holds(type)
        let (pointer, keeper) = try nibbles ? OwnedBytes(count: rows * rowBytes).pointerAndOwner : allocate(rows * rowBytes)
        values.withUnsafeBufferPointer { v in
            if !values.isEmpty { Quantize.values(type, from: v.baseAddress!, count: values.count, into: pointer) }
        }
        if nibbles {
            return try withExtendedLifetime(keeper) {
                try regrouped(UnsafeRawBufferPointer(start: pointer, count: rows * rowBytes), type: type, rows: rows, cols: cols, allocate: allocate)
            }
        }
        return (rowBytes, UnsafeRawPointer(pointer), keeper)
    }

    /// Q4_0 or Q4_1 rows in ggml order (`raw`) regrouped into the `NibblePairs` layout.
    private static func regrouped(_ raw: UnsafeRawBufferPointer, type: GGMLType, rows: Int, cols: Int,
                                  allocate: Allocator) rethrows -> (rowBytes: Int, base: UnsafeRawPointer, owner: AnyObject) {
        let blocks = cols / 32, stored = type.byteCount(values: cols)!, rowBytes = NibblePairs.rowBytes(cols: cols)
        let (pointer, keeper) = try allocate(rows * rowBytes)
        if let src = raw.baseAddress {
            parallelChunks(rows, minChunk: 256) { s, e in
                for r in s..<e { NibblePairs.regroup(type, row: src + r * stored, blocks: blocks, into: pointer + r * rowBytes) }
            }
        }
        return (rowBytes, UnsafeRawPointer(pointer), keeper)
    }

    /// `count` bytes from `arena`, or owned by a buffer of their own.
    private static func storage(_ count: Int, arena: WeightArena?) throws -> (pointer: UnsafeMutableRawPointer, owner: AnyObject) {
        try arena?.allocate(count) ?? OwnedBytes(count: count).pointerAndOwner
    }

    /// The stored bytes of row `r`.
    @inline(__always)
    func rowPointer(_ r: Int) -> UnsafeRawPointer { base + r * rowBytes }

    // MARK: - Rows

    /// Row `i` dequantised into `out` (`cols` floats), e.g. a token embedding.
    public func row(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(i >= 0 && i < rows, "row \(i) is outside 0..<\(rows)")
        let p = rowPointer(i)
        if NibblePairs.holds(type) { NibblePairs.dequantize(type, row: p, blocks: cols / 32, into: out); return }
        for b in 0..<(cols / type.blockSize) {
            Dequantize.block(type, p + b * type.bytesPerBlock, out + b * type.blockSize)
        }
    }

    /// Row `i` dequantised.
    public func row(_ i: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: cols) { buffer, n in
            if cols > 0 { row(i, into: buffer.baseAddress!) }
            n = cols
        }
    }

    /// Rows `range` dequantised into `out` (row-major, `range.count × cols`).
    public func rows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) are outside 0..<\(rows)")
        parallelChunks(range.count, minChunk: max(1, 65_536 / max(cols, 1))) { s, e in
            for i in s..<e { self.row(range.lowerBound + i, into: out + i * self.cols) }
        }
    }

    /// The whole matrix dequantised, row-major [rows, cols].
    public func dequantised() -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * cols) { buffer, n in
            if rows * cols > 0 { rows(0..<rows, into: buffer.baseAddress!) }
            n = rows * cols
        }
    }
}

/// An owned, 64-byte aligned byte buffer freed on deinit.
final class OwnedBytes {
    let pointer: UnsafeMutableRawPointer
    init(count: Int) { pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64) }
    var pointerAndOwner: (pointer: UnsafeMutableRawPointer, owner: AnyObject) { (pointer, self) }
    deinit { pointer.deallocate() }
}
