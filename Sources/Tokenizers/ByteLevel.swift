/// The GPT-2 byte-level alphabet: every byte maps to one printable Unicode scalar, and back.
public enum ByteLevel {
    // MARK: - Tables

    /// `scalarForByte[b]` is the scalar that stands for byte `b` in token strings.
    public static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if isPrintable(UInt8(b)) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// Inverse of `scalarForByte`, indexed by scalar value (0..<324); -1 where no byte maps.
    static let byteForScalarValue: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in scalarForByte.enumerated() { table[Int(s.value)] = Int16(b) }
        return table
    }()

    /// Bytes that keep their own code point: '!'...'~', '¡'...'¬', '®'...'ÿ'.
    private static func isPrintable(_ b: UInt8) -> Bool {
        (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
    }

    // MARK: - Conversions

    /// The byte-level string of raw bytes.
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarForByte[Int(b)]) }
        return String(s)
    }

    /// The raw bytes of a byte-level string, or nil if it holds a scalar outside the alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars {
            let v = Int(s.value)
            guard v < byteForScalarValue.count, byteForScalarValue[v] >= 0 else { return nil }
            out.append(UInt8(byteForScalarValue[v]))
        }
        return out
    }
}
