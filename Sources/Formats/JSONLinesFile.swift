import Foundation

/// A JSON Lines file that grows a line at a time and survives a kill mid-write: reading drops lines that
/// do not decode (a torn last line), and appending starts from a rewrite of the lines kept, atomically.
public struct JSONLinesFile<Line: Codable> {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    /// The lines that decode, in file order (none when the file is missing).
    public func read() -> [Line] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Line.self, from: Data($0)) }
    }

    /// Replaces the file with `lines` (atomically) and returns an appender at its end.
    public func rewrite(_ lines: [Line]) throws -> Appender {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = Self.encoder()
        var data = Data()
        for line in lines { data += try encoder.encode(line) + Data("\n".utf8) }
        try AtomicFile.write(data, to: url)
        return try Appender(url)
    }

    /// Writes one complete line per call.
    public final class Appender {
        private let handle: FileHandle
        private let encoder = JSONLinesFile.encoder()

        init(_ url: URL) throws {
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        }

        deinit { try? handle.close() }

        public func append(_ line: Line) throws {
            try handle.write(contentsOf: try encoder.encode(line) + Data("\n".utf8))
        }
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
