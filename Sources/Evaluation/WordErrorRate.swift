import Foundation
import Tensor

/// Word error rate: word-level edit distance (substitutions, insertions, deletions) over the
/// reference's word count. Words are `ExistMatch`'s tokens that hold a letter or digit, so case,
/// punctuation and accents do not count.
public enum WordErrorRate {
    public static func words(_ text: String) -> [String] {
        ExistMatch.tokens(text).filter { $0.unicodeScalars.contains { CharacterSet.alphanumerics.contains($0) } }
    }

    /// Edits turning the reference's words into the hypothesis's, ÷ the reference's words (1 per
    /// spoken word when the reference is empty).
    public static func of(hypothesis: String, reference: String) -> Double {
        let (edits, words) = counts(hypothesis: hypothesis, reference: reference)
        guard words > 0 else { return edits == 0 ? 0 : 1 }
        return Double(edits) / Double(words)
    }

    /// The edits and the reference's word count, to pool over many texts (edits ÷ words of them all).
    public static func counts(hypothesis: String, reference: String) -> (edits: Int, words: Int) {
        let h = words(hypothesis), r = words(reference)
        return (EditDistance.distance(r, h), r.count)
    }
}
