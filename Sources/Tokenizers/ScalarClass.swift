/// The character classes the pre-tokenizer regexes distinguish, for one Unicode scalar.
enum ScalarClass: UInt8 {
    /// Anything that is not a letter, number or white space (`[^\s\p{L}\p{N}]`).
    case other = 0
    /// `\p{L}`: Lu, Ll, Lt, Lm, Lo.
    case letter = 1
    /// `\p{N}`: Nd, Nl, No.
    case number = 2
    /// `\s` (the Unicode White_Space property) other than CR and LF.
    case space = 3
    /// CR or LF (also white space).
    case newline = 4

    var isWhitespace: Bool { rawValue >= 3 }

    // MARK: - Classification

    private static let asciiTable: [ScalarClass] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

    /// The class of a scalar value (ASCII through a table).
    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        if value < 128 { return asciiTable[Int(value)] }
        guard let s = Unicode.Scalar(value) else { return .other }
        return classify(s)
    }

    private static func classify(_ s: Unicode.Scalar) -> ScalarClass {
        if s.value == 10 || s.value == 13 { return .newline }
        let p = s.properties
        if p.isWhitespace { return .space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}
