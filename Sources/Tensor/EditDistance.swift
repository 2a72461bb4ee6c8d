import Foundation

/// Levenshtein distance and alignment of two sequences (characters, words, unit ids): the fewest
/// substitutions, insertions and deletions that turn `a` into `b`.
public enum EditDistance {
    public static func distance<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The distance over the longer length: 0 for equal sequences, 1 for nothing in common.
    public static func normalized<T: Equatable>(_ a: [T], _ b: [T]) -> Double {
        let longest = max(a.count, b.count)
        return longest == 0 ? 0 : Double(distance(a, b)) / Double(longest)
    }

    /// One step of an alignment: both keep an element, one replaces the other, or one side has an extra.
    public enum Step: Equatable, Sendable {
        case same(Int, Int), substitute(Int, Int), onlyA(Int), onlyB(Int)
    }

    /// A shortest alignment of `a` and `b`, in order (indices into each).
    public static func alignment<T: Equatable>(_ a: [T], _ b: [T]) -> [Step] {
        let n = a.count, m = b.count
        var table = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in 0...n { table[i][0] = i }
        for j in 0...m { table[0][j] = j }
        for i in stride(from: 1, through: n, by: 1) {
            for j in stride(from: 1, through: m, by: 1) {
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
        }
        var steps: [Step] = [], i = n, j = m
        while i > 0 || j > 0 {
            if i > 0, j > 0, table[i][j] == table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1) {
                steps.append(a[i - 1] == b[j - 1] ? .same(i - 1, j - 1) : .substitute(i - 1, j - 1)); i -= 1; j -= 1
            } else if i > 0, table[i][j] == table[i - 1][j] + 1 {
                steps.append(.onlyA(i - 1)); i -= 1
            } else {
                steps.append(.onlyB(j - 1)); j -= 1
            }
        }
        return steps.reversed()
    }
}
