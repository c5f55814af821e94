import HeapModule

extension BytePairModel {
    /// Pieces up to this many bytes merge with the simple array scan (O(n²) but branch-light and
    /// allocation-free); longer ones use the heap, O(n log n), so that a megabyte-long piece (one
    /// repeated character, a run of digits under the GPT-2 pattern) stays linear-ish.
    @usableFromInline static let shortPieceLimit = 48

    /// Appends the ids of one pre-tokenized piece `p[0..<n]` (n ≥ 1), of which `p[0..<readable]`
    /// may be read. Whole-piece lookup first (most pieces of natural text are one token); then
    /// `cache`, where `base` is the start of the text the cache's offsets point into; then BPE.
    @inlinable @inline(__always)
    func encodePiece(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int, cache: PieceCache, base: UnsafePointer<UInt8>,
                     into out: inout [TokenID]) {
        if n == 1 { out.append(byteIDs[Int(p[0])]); return }
        let h = ByteStringHash.hash(p, n, readable: readable)
        if let id = tokens.lookup(p, n, hash: h, readable: readable), directLookup?[Int(id)] ?? true {
            out.append(id)
            return
        }
        guard let slots = cache.slots else { mergePiece(p, n, into: &out); return }
        let slot = slots + (Int(truncatingIfNeeded: h) & cache.mask)
        if slot.pointee.hash == h && Int(slot.pointee.length) == n
            && tokens.memoryEqual(base + slot.pointee.start, p, n) {
            let from = slot.pointee.outIndex
            for k in 0..<Int(slot.pointee.count) { out.append(out[from + k]) }
            return
        }
        let before = out.count
        mergePiece(p, n, memo: cache.pairs, into: &out)
        let count = out.count - before
        if n <= Int(Int32.max) && count <= Int(Int32.max) {
            slot.pointee = PieceCache.Slot(hash: h, start: p - base, outIndex: before, length: Int32(n), count: Int32(count))
        }
    }

    /// Applies the merge rules to the bytes `p[0..<n]`: repeatedly merge the adjacent pair with
    /// the lowest priority, leftmost first.
    /// `memo` (optional) remembers the pair table's answers (see `PairMemo`).
    @usableFromInline
    func mergePiece(_ p: UnsafePointer<UInt8>, _ n: Int, memo: PairMemo = PairMemo(), into out: inout [TokenID]) {
        if n <= Self.shortPieceLimit { mergeShort(p, n, memo: memo, into: &out) } else { mergeLong(p, n, memo: memo, into: &out) }
    }

    @usableFromInline
    func mergeShort(_ p: UnsafePointer<UInt8>, _ n: Int, memo: PairMemo, into out: inout [TokenID]) {
        withUnsafeTemporaryAllocation(of: TokenID.self, capacity: n) { ids in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n) { rules in
                // rules[k] = priority << 32 | merged id, for the pair (ids[k], ids[k + 1]).
                for k in 0..<n { ids[k] = byteIDs[Int(p[k])] }
                @inline(__always) func rule(_ k: Int) -> UInt64 { pairs.packedRule(ids[k], ids[k + 1], memo: memo) }
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
    func mergeLong(_ p: UnsafePointer<UInt8>, _ n: Int, memo: PairMemo, into out: inout [TokenID]) {
        @inline(__always) func rule(_ left: TokenID, _ right: TokenID) -> (priority: UInt32, merged: TokenID) {
            let v = pairs.packedRule(left, right, memo: memo)
            return (UInt32(truncatingIfNeeded: v >> 32), TokenID(truncatingIfNeeded: v))
        }
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
            let r = rule(ids[k], ids[k + 1])
            if r.priority != PairTable.never { initial.append(UInt64(r.priority) << 32 | UInt64(k)) }
        }
        heap = Heap(initial)
        while let entry = heap.popMin() {
            let k = Int(entry & 0xFFFF_FFFF)
            let priority = UInt32(entry >> 32)
            guard alive[k], next[k] >= 0 else { continue }
            let j = Int(next[k])
            let r = rule(ids[k], ids[j])
            guard r.priority == priority else { continue }
            ids[k] = r.merged
            alive[j] = false
            next[k] = next[j]
            if next[j] >= 0 { prev[Int(next[j])] = Int32(k) }
            if prev[k] >= 0 {
                let i = Int(prev[k])
                let left = rule(ids[i], ids[k])
                if left.priority != PairTable.never { heap.insert(UInt64(left.priority) << 32 | UInt64(i)) }
            }
            if next[k] >= 0 {
                let right = rule(ids[k], ids[Int(next[k])])
                if right.priority != PairTable.never { heap.insert(UInt64(right.priority) << 32 | UInt64(k)) }
            }
        }
        var k = 0
        while k >= 0 { out.append(ids[k]); k = Int(next[k]) }
    }
}

/// The ids of the multi-token pieces met so far in one text, so that a repeated word is merged
/// once: a direct-mapped table keyed by the piece's hash, whose slots point back into the text
/// (to compare the bytes) and into the output (to copy the ids from their first encoding). A hit
/// costs the hash already computed for the vocabulary lookup, one slot, a byte comparison and
/// the copy; nothing is stored twice. Exact by construction: BPE of a piece depends only on its
/// bytes, and the bytes are compared, not just the hash.
///
/// Why: BPE merging was ~50% of cl100k's encoding time in perf (the merge loop's pair-table
/// lookups), and in the benchmark's 19.2 MB only ~40% of the multi-token pieces' bytes belong to
/// a piece not seen before in the same document (Russian: 31%, Chinese: 60%; issue 17).
@usableFromInline
struct PieceCache {
    @usableFromInline
    struct Slot {
        @usableFromInline var hash: UInt64
        /// Offset of the piece in the text.
        @usableFromInline var start: Int
        /// Index of its first id in the output.
        @usableFromInline var outIndex: Int
        @usableFromInline var length: Int32
        @usableFromInline var count: Int32

        @inlinable init(hash: UInt64, start: Int, outIndex: Int, length: Int32, count: Int32) {
            self.hash = hash; self.start = start; self.outIndex = outIndex; self.length = length; self.count = count
        }
    }

    /// nil: no cache (a text too short for one to pay for its allocation).
    @usableFromInline let slots: UnsafeMutablePointer<Slot>?
    @usableFromInline let mask: Int
    /// For the pieces that are merged after all.
    @usableFromInline let pairs: PairMemo

    /// A cache for a text of `textBytes` bytes: one slot per 64 bytes, 256 to 4,096 slots (32
    /// bytes each: at most 128 KB, zeroed, which is an empty slot since no piece has length 0);
    /// none under 2 KB.
    @inlinable
    init(textBytes: Int) {
        guard textBytes >= 2048 else { slots = nil; mask = 0; pairs = PairMemo(); return }
        var capacity = 256
        while capacity < 4096 && capacity * 64 < textBytes { capacity <<= 1 }
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        slots.initialize(repeating: Slot(hash: 0, start: 0, outIndex: 0, length: 0, count: 0), count: capacity)
        self.slots = slots
        mask = capacity - 1
        pairs = PairMemo(capacity: 4096)
    }

    @inlinable
    func deallocate() { slots?.deallocate(); pairs.entries?.deallocate() }
}
