import HeapModule

extension BytePairModel {
    /// Pieces up to this many bytes merge with the simple array scan (O(n²) but branch-light and
    /// allocation-free); longer ones use the heap, O(n log n), so that a megabyte-long piece (one
    /// repeated character, a run of digits under the GPT-2 pattern) stays linear-ish.
    @usableFromInline static let shortPieceLimit = 48

    /// Appends the ids of one pre-tokenized piece. Whole-piece lookup first.
    @inlinable @inline(__always)
    func encodePiece(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [TokenID]) {
        if n == 1 { out.append(byteIDs[Int(p[0])]); return }
        if let id = tokens.lookup(p, n), directLookup?[Int(id)] ?? true {
            out.append(id)
            return
        }
        mergePiece(p, n, into: &out)
    }

    /// Applies the merge rules to the bytes `p[0..<n]`: repeatedly merge the adjacent pair with
    /// the lowest priority, leftmost first.
    @usableFromInline
    func mergePiece(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [TokenID]) {
        if n <= Self.shortPieceLimit { mergeShort(p, n, into: &out) } else { mergeLong(p, n, into: &out) }
    }

    @usableFromInline
    func mergeShort(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [TokenID]) {
        withUnsafeTemporaryAllocation(of: TokenID.self, capacity: n) { ids in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n) { rules in
                // rules[k] = priority << 32 | merged id, for the pair (ids[k], ids[k + 1]).
                for k in 0..<n { ids[k] = byteIDs[Int(p[k])] }
                @inline(__always) func rule(_ k: Int) -> UInt64 {
                    let r = pairs.rule(ids[k], ids[k + 1])
                    return UInt64(r.priority) << 32 | UInt64(r.merged)
                }
                var m = n
                for k in 0..<(m - 1) { rules[k] = rule(k) }
                while m > 1 {
                    var best = 0
                    var bestRule = rules[0]
                    for k in 1..<(m - 1) where rules[k] < bestRule & 0xFFFF_FFFF_0000_0000 {
                        best = k
                        bestRule = rules[k]
                    }
                    if bestRule >> 32 == UInt64(PairTable.never) { break }
                    ids[best] = TokenID(truncatingIfNeeded: bestRule)
                    // Remove ids[best + 1] and its rule.
                    var k = best + 1
                    while k < m - 1 { ids[k] = ids[k + 1]; rules[k] = rules[k + 1]; k += 1 }
                    m -= 1
                    if best < m - 1 { rules[best] = rule(best) }
                    if best > 0 { rules[best - 1] = rule(best - 1) }
                }
                for k in 0..<m { out.append(ids[k]) }
            }
        }
    }

    @usableFromInline
    func mergeLong(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [TokenID]) {
        var ids = [TokenID](repeating: 0, count: n)
        var next = [Int32](repeating: -1, count: n)
        var prev = [Int32](repeating: -1, count: n)
        var alive = [Bool](repeating: true, count: n)
        for k in 0..<n {
            ids[k] = byteIDs[Int(p[k])]
            next[k] = k + 1 < n ? Int32(k + 1) : -1
            prev[k] = Int32(k - 1)
        }
        // Entries are priority << 32 | position: the heap's minimum is the lowest priority and,
        // among equals, the leftmost pair. Stale entries are skipped when popped (lazy deletion).
        var heap = Heap<UInt64>()
        var initial: [UInt64] = []
        initial.reserveCapacity(n)
        for k in 0..<(n - 1) {
            let r = pairs.rule(ids[k], ids[k + 1])
            if r.priority != PairTable.never { initial.append(UInt64(r.priority) << 32 | UInt64(k)) }
        }
        heap = Heap(initial)
        while let entry = heap.popMin() {
            let k = Int(entry & 0xFFFF_FFFF)
            let priority = UInt32(entry >> 32)
            guard alive[k], next[k] >= 0 else { continue }
            let j = Int(next[k])
            let r = pairs.rule(ids[k], ids[j])
            guard r.priority == priority else { continue }
            ids[k] = r.merged
            alive[j] = false
            next[k] = next[j]
            if next[j] >= 0 { prev[Int(next[j])] = Int32(k) }
            if prev[k] >= 0 {
                let i = Int(prev[k])
                let left = pairs.rule(ids[i], ids[k])
                if left.priority != PairTable.never { heap.insert(UInt64(left.priority) << 32 | UInt64(i)) }
            }
            if next[k] >= 0 {
                let right = pairs.rule(ids[k], ids[Int(next[k])])
                if right.priority != PairTable.never { heap.insert(UInt64(right.priority) << 32 | UInt64(k)) }
            }
        }
        var k = 0
        while k >= 0 { out.append(ids[k]); k = Int(next[k]) }
    }
}
