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
        let h = words(hypothesis), r = words(reference)
        guard !r.isEmpty else { return h.isEmpty ? 0 : 1 }
        return Double(EditDistance.distance(r, h)) / Double(r.count)
    }
}
