/// Applies ranked BPE merges to one piece, lowest rank first, with a heap over a linked list
/// of symbols (O(n log n) per piece, no rescans).
struct BPEMerger {
    /// `(left << 32 | right)` → `(rank << 32 | merged id)`.
    let merges: [UInt64: UInt64]
    /// The token of each single byte.
    let byteToken: [Int32]

    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    // MARK: - Heap of candidate merges

    private struct Candidate {
        var order: UInt64  // rank << 32 | left position: lower rank first, then leftmost
        var left: Int32, right: Int32, merged: Int32
    }

    private struct Heap {
        var items: [Candidate] = []
        mutating func push(_ c: Candidate) {
            items.append(c)
            var i = items.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if items[p].order <= items[i].order { break }
                items.swapAt(p, i)
                i = p
            }
        }
        mutating func pop() -> Candidate? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                var i = 0
                let n = items.count
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < n && items[l].order < items[m].order { m = l }
                    if r < n && items[r].order < items[m].order { m = r }
                    if m == i { break }
                    items.swapAt(i, m)
                    i = m
                }
            }
            return top
        }
    }

    // MARK: - Merging

    /// Appends the token ids of `bytes` (one pre-tokenized piece) to `out`.
    func encode(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [Int]) {
        let n = bytes.count
        if n == 0 { return }
        if n == 1 { out.append(Int(byteToken[Int(bytes[0])])); return }
        var ids = [Int32](repeating: 0, count: n)
        var prev = [Int32](repeating: -1, count: n)
        var next = [Int32](repeating: -1, count: n)
        for i in 0..<n {
            ids[i] = byteToken[Int(bytes[i])]
            prev[i] = Int32(i - 1)
            next[i] = i + 1 < n ? Int32(i + 1) : -1
        }
        var heap = Heap()
        heap.items.reserveCapacity(n)
        func consider(_ a: Int32, _ b: Int32) {
            guard a >= 0, b >= 0, let m = merges[BPEMerger.pairKey(ids[Int(a)], ids[Int(b)])] else { return }
            heap.push(Candidate(order: (m >> 32) << 32 | UInt64(a), left: ids[Int(a)], right: ids[Int(b)],
                                merged: Int32(truncatingIfNeeded: m & 0xFFFF_FFFF)))
        }
        for i in 0..<(n - 1) { consider(Int32(i), Int32(i + 1)) }
        while let c = heap.pop() {
            let a = Int(c.order & 0xFFFF_FFFF)
            let b = Int(next[a])
            // Stale when either side has changed since the candidate was pushed.
            guard ids[a] == c.left, b >= 0, ids[b] == c.right else { continue }
            ids[a] = c.merged
            ids[b] = -1
            let after = next[b]
            next[a] = after
            if after >= 0 { prev[Int(after)] = Int32(a) }
            consider(prev[a], Int32(a))
            consider(Int32(a), after)
        }
        var i: Int32 = 0
        while i >= 0 { out.append(Int(ids[Int(i)])); i = next[Int(i)] }
    }
}
