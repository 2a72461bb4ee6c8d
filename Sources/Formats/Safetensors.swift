import Foundation
import Tensor

/// A problem with a safetensors file or with what is asked of it.
public struct SafetensorsError: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = "safetensors: " + message }
}

/// Reading and writing the safetensors format: an 8-byte little-endian header length N, N bytes of
/// JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`,
/// then the data buffer the offsets point into.
public enum Safetensors {
    /// Largest header accepted (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    /// Opens and validates a file (memory-mapped when possible).
    public static func read(_ url: URL) throws -> SafetensorsFile {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw SafetensorsError("cannot read \(url.path): \(error.localizedDescription)")
        }
        do { return try parse(data) } catch let error as SafetensorsError {
            throw SafetensorsError("\(url.path): " + error.description.dropFirst("safetensors: ".count))
        }
    }

    /// Validates the bytes of a whole file: header length, JSON structure, dtypes, shapes and offsets
    /// (inside the buffer, byte length = element count × dtype size, covering it without overlap or gap).
    public static func parse(_ data: Data) throws -> SafetensorsFile {
        guard data.count >= 8 else { throw SafetensorsError("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let declared = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(data.count - 8) else {
            throw SafetensorsError("header length \(declared) exceeds the \(data.count - 8) bytes after the length field (truncated or not a safetensors file)")
        }
        let headerLength = Int(declared)
        guard headerLength <= maximumHeaderLength else {
            throw SafetensorsError("header length \(headerLength) exceeds the limit of \(maximumHeaderLength) bytes")
        }
        let start = data.startIndex
        let header = data.subdata(in: (start + 8)..<(start + 8 + headerLength))
        guard header.first == UInt8(ascii: "{") else { throw SafetensorsError("header does not start with '{' (not a safetensors file?)") }
        let raw: RawHeader
        do { raw = try JSONDecoder().decode(RawHeader.self, from: header) } catch {
            throw SafetensorsError("header is not valid JSON of the expected structure: \(describe(error))")
        }
        let bufferLength = data.count - 8 - headerLength
        var entries: [SafetensorsFile.Entry] = []
        for (name, info) in raw.tensors {
            guard let dtype = SafetensorsDType(rawValue: info.dtype) else {
                throw SafetensorsError("tensor '\(name)' has unknown dtype '\(info.dtype)'")
            }
            guard info.shape.allSatisfy({ $0 >= 0 }) else { throw SafetensorsError("tensor '\(name)' has a negative dimension in shape \(info.shape)") }
            var elements = 1
            for d in info.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw SafetensorsError("tensor '\(name)' shape \(info.shape) is too large") }
                elements = product
            }
            guard info.data_offsets.count == 2 else {
                throw SafetensorsError("tensor '\(name)' data_offsets must be [begin, end], got \(info.data_offsets)")
            }
            let (begin, end) = (info.data_offsets[0], info.data_offsets[1])
            guard begin >= 0 && begin <= end && end <= bufferLength else {
                throw SafetensorsError("tensor '\(name)' data_offsets [\(begin), \(end)] lie outside the \(bufferLength)-byte data buffer")
            }
            let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
            guard !overflow && bytes == end - begin else {
                throw SafetensorsError("tensor '\(name)' holds \(end - begin) bytes but \(dtype.rawValue) \(info.shape) needs \(overflow ? "too many" : String(bytes))")
            }
            entries.append(.init(name: name, dtype: dtype, shape: info.shape, byteRange: begin..<end))
        }
        entries.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        var position = 0
        for e in entries {
            guard e.byteRange.lowerBound >= position else {
                throw SafetensorsError("tensor '\(e.name)' bytes \(e.byteRange) overlap the previous tensor (ending at \(position))")
            }
            guard e.byteRange.lowerBound == position else {
                throw SafetensorsError("gap in the data buffer before tensor '\(e.name)' (bytes \(position)..<\(e.byteRange.lowerBound) unused)")
            }
            position = e.byteRange.upperBound
        }
        guard position == bufferLength else {
            throw SafetensorsError("data buffer is \(bufferLength) bytes but the tensors cover \(position) (trailing or missing bytes)")
        }
        return SafetensorsFile(metadata: raw.metadata, entries: entries, data: data, bufferStart: 8 + headerLength)
    }

    static func describe(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "at '\(path)': ") + c.debugDescription
        @unknown default: return "\(error)"
        }
    }
}

// MARK: - Header JSON

/// The header object: "__metadata__" (string to string) and one entry per tensor.
struct RawHeader: Decodable {
    struct TensorInfo: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
    }
    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var metadata: [String: String] = [:]
    var tensors: [(String, TensorInfo)] = []

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                tensors.append((key.stringValue, try container.decode(TensorInfo.self, forKey: key)))
            }
        }
    }
}
