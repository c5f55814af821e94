import HeapModule

// Design notes (issue 17, second pass; perf `record -e cpu-clock` on `TokenmillBench encode
// --vocab cl100k --threads 1` over the 19.2 MB benchmark text, CPU seconds the median of
// alternating rounds on the 2-core AMD EPYC, load 3–7; BENCHMARKS.md "Encoder core, second
// pass"). The merge loop's cost is waiting on pair-table loads that miss the core's caches.
// Kept: the pair table in one word per rule (4 MB for cl100k instead of 8; PairTable.swift),
// a piece cache that lives for a whole `encodeBatch` worker instead of one 256 KiB item
// (PieceCache.swift), the byte-pair priorities of a piece's first step from a 256 KB array
// (`bytePairPriorities`), and the two neighbours' lookups after a merge issued together
// (`PairTable.priorities`). Together, median CPU s of 8 alternating rounds against main:
// cl100k 0.555 → 0.454, o200k 0.640 → 0.550, gpt2 0.494 → 0.437.
// Measured and rejected:
// - Pieces taken 16 at a time, their hashes and vocabulary slots loaded before any is looked up
//   (so the loads overlap): medians 0.488 with, 0.477 without, in 8 rounds. The stalls moved to
//   the batch loop, the total did not change.
// - Only each token's canonical rule (the split BPE of its own bytes joins last: 100,000 rules,
//   2 MB for cl100k; exact, since every merge BPE makes is one): 0.507 / 0.502 s (cl100k, 8
//   rounds) and 0.551 / 0.545 s (o200k, 4), for a BPE pass over the ~62,000 tokens with several
//   splits at every load (+0.07 s CPU). At 4 MB the table already sits in L3; 2 MB does not fit
//   the 1 MB L2 either.
// - A 512 KB pair memo instead of 64 KB: 0.446 / 0.435 s (6 rounds; within the noise); no memo
//   at all (the byte pairs now come from `bytePairPriorities`): 0.474 / 0.482 s (cl100k, 8
//   rounds), 0.498 / 0.474 s (o200k, 6): no clear change either way, the memo stays.
// - Vocabulary index slots of 16 bytes (8 bytes inline, the rest compared in the arena) instead
//   of 32: 4 MB instead of 8 for cl100k, but 0.384 / 0.382 s (cl100k, 8 rounds) and 0.428 /
//   0.426 s (o200k, 6).
//
// Third pass (issue 17, 2026-12-03, session 7; BENCHMARKS.md "Encoder core, third pass"). The
// machine was shared at load 3–6 all session, so CPU seconds moved ±15% between identical
// runs; the changes were chosen by cachegrind on an x86-64-v3 build (one cl100k pass, the
// vocabulary load subtracted: instructions, and misses of a 32 KB L1 and a 1 MB cache for the
// core's L2) and by Python simulations of the caches on tiktoken's split of the same text.
// Kept: `ShortPieceCache` in front of the vocabulary lookup (pieces of 2–16 bytes, 1–3 ids,
// their bytes inline; 68.6% of the 3.67 M pieces answered in simulation, 19.7% are one byte);
// the pair memo read before the pair table (`PairTable.priorities`: perf had put 41% of the
// merge loop on table loads made whatever the memo held, and the memo answers 68–80% of the
// lookups); a memo of 32,768 words instead of 8,192; ids written into a `TokenSink` instead of
// `Array.append`. Encoding instructions 2.130 G → 1.808 G, L1 misses 14.36 M → 12.09 M, misses
// of the 1 MB cache 6.36 M → 6.72 M (the sink's copy, sequential); CPU s medians of 8
// alternating rounds against main: gpt2 0.454 → 0.404, cl100k 0.547 → 0.491, o200k 0.632 → 0.520.
// Measured and rejected:
// - A `TokenSink` allocated for each call of `appendPieces` (fresh memory every 256 KiB work
//   item): 0.69 M more misses of the 1 MB cache than `Array.append` on the cl100k pass; one
//   sink per worker (kept in `PieceCache`) has 0.57 M more, for 83 M fewer instructions.
// - Keeping in `PieceCache` only the pieces that `ShortPieceCache` cannot hold (over 16 bytes
//   or over 3 ids): 270,694 merges instead of 244,828 in simulation (a short multi-token piece
//   pushed out of the short cache is merged again).
// - Pieces encoded one behind the scanner, each piece's short-cache set loaded (its first word
//   compared as a hint) before the piece before it was encoded, so that the set's miss (perf:
//   46% of `appendPieces`'s own time) would overlap that work: CPU s medians of 8 alternating
//   rounds (06:38 UTC, load 2.2 → 1.5) 0.477 without, 0.489 with (cl100k), 0.535 / 0.557 (o200k).
// - A larger `PieceCache` (65,536 or 131,072 slots): 231,619 or 215,479 merges instead of
//   244,828 in simulation (the floor is the 204,520 distinct pieces to merge) for 1.5–4.5 MB
//   more arenas and slots in the caches: not built.
// Not attempted, with the figures that decided it: the backtracking longest-match encoder of
// GitHub's `bpe` crate (quicktok-v1 is a C++ port of it). The merge loop's work on the
// benchmark's first occurrences of pieces to merge (cl100k, simulated: 200,285 pieces, 2.72 MB)
// is 1.79 M merges, 2.97 M pair lookups, of which the memo of 32,768 words answers 80%, for
// 936,334 ids. The backtracker would take one trie step per byte and one failing step per id
// (~3.7 M dependent loads in a trie of, we estimate, ~300,000 nodes: megabytes, as the pair
// table is) and a validity check per id boundary (~0.74 M, each unwinding both tokens'
// canonical splits with a pair lookup at every step): about as many dependent loads into
// multi-MB tables as the merge loop's 0.6 M table loads and 2.4 M memo hits, plus a
// canonical-split table built at load.
// The pieces it would serve (5.5% of the pieces, ~15% of the bytes) are the only ones it changes.
extension BytePairModel {
    /// Pieces up to this many bytes merge with the simple array scan (O(n²) but branch-light and
    /// allocation-free); longer ones use the heap, O(n log n), so that a megabyte-long piece (one
    /// repeated character, a run of digits under the GPT-2 pattern) stays linear-ish.
    @usableFromInline static let shortPieceLimit = 48

    /// Appends the ids of one pre-tokenized piece `p[0..<n]` (n ≥ 1), of which `p[0..<readable]`
    /// may be read. A piece of up to 16 bytes is first looked for in `cache.short`, which then
    /// keeps what the rest finds; then the whole-piece lookup (most pieces of natural text are
    /// one token); then `cache`; then BPE, whose ids the cache keeps.
    @inlinable @inline(__always)
    func encodePiece(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int, cache: PieceCache, into out: inout TokenSink) {
        if n == 1 { out.append(byteIDs[Int(p[0])]); return }
        guard n <= ShortPieceCache.maxBytes, let short = cache.short else {
            encodePiece(p, n, readable: readable, hash: ByteStringHash.hash(p, n, readable: readable), cache: cache, into: &out)
            return
        }
        let (k0, k1) = ShortPieceCache.key(p, n, readable: readable)
        let set = short.set(k0, k1, n)
        if short.appendIDs(in: set, k0, k1, n, into: &out) { return }
        let before = out.count
        encodePiece(p, n, readable: readable, hash: ByteStringHash.hash(p, n, readable: readable), cache: cache, into: &out)
        short.store(in: set, k0, k1, n, ids: out.ids(from: before))
    }

    /// `encodePiece` past the short-piece cache: `h` is the piece's `ByteStringHash`.
    @inlinable @inline(__always)
    func encodePiece(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int, hash h: UInt64, cache: PieceCache,
                     into out: inout TokenSink) {
        if let id = tokens.lookup(p, n, hash: h, readable: readable), directLookup?[Int(id)] ?? true {
            out.append(id)
            return
        }
        guard let slot = cache.slot(hash: h) else { mergePiece(p, n, into: &out); return }
        if let kept = cache.ids(in: slot, hash: h, bytes: p, n) {
            // An element loop: the runs are short, and `append(contentsOf:)` went through memmove
            // (2.3% of cl100k's encoding time in perf).
            for k in 0..<kept.count { out.append(kept.ids[k]) }
            return
        }
        let before = out.count
        mergePiece(p, n, memo: cache.pairs, into: &out)
        cache.store(in: slot, hash: h, bytes: p, n, ids: out.ids(from: before))
    }

    /// Applies the merge rules to the bytes `p[0..<n]`: repeatedly merge the adjacent pair with
    /// the lowest priority, leftmost first.
    /// `memo` (optional) remembers the pair table's answers (see `PairMemo`).
    @usableFromInline
    func mergePiece(_ p: UnsafePointer<UInt8>, _ n: Int, memo: PairMemo = PairMemo(), into out: inout TokenSink) {
        if n <= Self.shortPieceLimit { mergeShort(p, n, memo: memo, into: &out) } else { mergeLong(p, n, memo: memo, into: &out) }
    }

    @usableFromInline
    func mergeShort(_ p: UnsafePointer<UInt8>, _ n: Int, memo: PairMemo, into out: inout TokenSink) {
        withUnsafeTemporaryAllocation(of: TokenID.self, capacity: n) { ids in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { priorities in
                // priorities[k]: the pair (ids[k], ids[k + 1]).
                for k in 0..<n { ids[k] = byteIDs[Int(p[k])] }
                @inline(__always) func priority(_ k: Int) -> UInt32 { pairs.priority(ids[k], ids[k + 1], memo: memo) }
                var m = n
                bytePairPriorities.withUnsafeBufferPointer { table in
                    for k in 0..<(m - 1) { priorities[k] = table[Int(p[k]) << 8 | Int(p[k + 1])] }
                }
                while m > 1 {
                    var best = 0
                    var bestPriority = priorities[0]
                    for k in 1..<(m - 1) where priorities[k] < bestPriority {
                        best = k
                        bestPriority = priorities[k]
                    }
                    if bestPriority == PairTable.never { break }
                    ids[best] = pairs.merged(bestPriority)
                    // Remove ids[best + 1] and its priority.
                    var k = best + 1
                    while k < m - 1 { ids[k] = ids[k + 1]; priorities[k] = priorities[k + 1]; k += 1 }
                    m -= 1
                    if best > 0 && best < m - 1 {
                        (priorities[best - 1], priorities[best]) = pairs.priorities(ids[best - 1], ids[best], ids[best], ids[best + 1], memo: memo)
                    } else {
                        if best < m - 1 { priorities[best] = priority(best) }
                        if best > 0 { priorities[best - 1] = priority(best - 1) }
                    }
                }
                for k in 0..<m { out.append(ids[k]) }
            }
        }
    }

    @usableFromInline
    func mergeLong(_ p: UnsafePointer<UInt8>, _ n: Int, memo: PairMemo, into out: inout TokenSink) {
        @inline(__always) func priority(_ left: TokenID, _ right: TokenID) -> UInt32 {
            pairs.priority(left, right, memo: memo)
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
            let r = bytePairPriorities[Int(p[k]) << 8 | Int(p[k + 1])]
            if r != PairTable.never { initial.append(UInt64(r) << 32 | UInt64(k)) }
        }
        heap = Heap(initial)
        while let entry = heap.popMin() {
            let k = Int(entry & 0xFFFF_FFFF)
            let entryPriority = UInt32(entry >> 32)
            guard alive[k], next[k] >= 0 else { continue }
            let j = Int(next[k])
            guard priority(ids[k], ids[j]) == entryPriority else { continue }
            ids[k] = pairs.merged(entryPriority)
            alive[j] = false
            next[k] = next[j]
            if next[j] >= 0 { prev[Int(next[j])] = Int32(k) }
            if prev[k] >= 0 {
                let i = Int(prev[k])
                let left = priority(ids[i], ids[k])
                if left != PairTable.never { heap.insert(UInt64(left) << 32 | UInt64(i)) }
            }
            if next[k] >= 0 {
                let right = priority(ids[k], ids[Int(next[k])])
                if right != PairTable.never { heap.insert(UInt64(right) << 32 | UInt64(k)) }
            }
        }
        var k = 0
        while k >= 0 { out.append(ids[k]); k = Int(next[k]) }
    }
}
