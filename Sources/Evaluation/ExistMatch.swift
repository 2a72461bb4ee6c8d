import Foundation

/// The answer-exists match of spoken-QA benchmarks (Llama Questions, Web Questions, TriviaQA), as
/// UltraEval-Audio's `qa-exist-match` scores them (the open-domain QA check of DPR):
///
/// 1. the text is put in Unicode normal form D (accents become combining marks);
/// 2. it is split into tokens: each run of letters, digits and marks is one token, and each other
///    character that is neither a separator nor a control/format character is a token by itself;
/// 3. tokens are lower-cased;
/// 4. a gold answer matches when its token sequence occurs, contiguous, in the response's.
///
/// Nothing else is normalised: articles, plural forms and number spellings stay as written
/// ("the beatles" does not match "Beatles"; "1969" does not match "nineteen sixty-nine").
/// One deliberate difference: an answer without any token (empty or blank) matches nothing here,
/// where the reference rule would let it match every response; sets refuse such answers anyway.
public enum ExistMatch {
    /// The tokens of `text` (steps 1–3).
    public static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var run = String.UnicodeScalarView()
        func endRun() {
            if !run.isEmpty { tokens.append(String(run).lowercased()); run = String.UnicodeScalarView() }
        }
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch Category(scalar) {
            case .word: run.append(scalar)
            case .space: endRun()
            case .symbol:
                endRun()
                tokens.append(String(scalar).lowercased())
            }
        }
        endRun()
        return tokens
    }

    /// The first of `answers` whose tokens occur in `response`'s, or nil.
    public static func matchedAnswer(response: String, answers: [String]) -> String? {
        let heard = tokens(response)
        return answers.first { answer in contains(heard, tokens(answer)) }
    }

    /// True when one of `answers` occurs in `response` (see the rules above).
    public static func matches(response: String, answers: [String]) -> Bool {
        matchedAnswer(response: response, answers: answers) != nil
    }

    /// True when `needle` (not empty) is a contiguous run of `haystack`.
    static func contains(_ haystack: [String], _ needle: [String]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// How a code point takes part in tokens.
    enum Category {
        /// A letter, digit or mark (Unicode L, N, M): part of a run.
        case word
        /// A separator or a control, format, private-use, surrogate or unassigned code point (Z, C): no token.
        case space
        /// Anything else (punctuation, symbols): a token of its own.
        case symbol

        init(_ scalar: Unicode.Scalar) {
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .decimalNumber, .letterNumber, .otherNumber,
                 .nonspacingMark, .spacingMark, .enclosingMark:
                self = .word
            case .spaceSeparator, .lineSeparator, .paragraphSeparator,
                 .control, .format, .surrogate, .privateUse, .unassigned:
                self = .space
            default:
                self = .symbol
            }
        }
    }
}
