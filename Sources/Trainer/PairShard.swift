import HeapModule

/// A candidate merge in a shard's priority queue. Greater = merged first: higher count, then the
/// pair with the smaller (left id, right id). Entries go stale when counts change; they are
/// checked against the live count when popped (lazy invalidation).
struct Candidate: Comparable {
    var count: Int64
    var key: UInt64
    /// The pair's index in its shard (not part of the order: keys are unique).
    var pair: Int32
    static func < (a: Candidate, b: Candidate) -> Bool {
        a.count != b.count ? a.count < b.count : a.key > b.key
    }
    static func == (a: Candidate, b: Candidate) -> Bool { a.count == b.count && a.key == b.key }
}

/// A pair's live count and key, and the last step it gained in (so it is queued once a step).
struct PairInfo {
    var count: Int64
    var key: UInt64
    var gained: Int32
}

/// The pairs one merge-loop thread owns: the live count of every pair whose key hashes to this
/// shard (`owner(of:among:)`), per worker the words of its block the pair may occur in, and a
/// priority queue of the shard's pairs.
///
/// Each pair has exactly one owner, so the count changes of a merge step are added by the
/// owners in parallel, without locks, and each shard's best pair is found on its own heap; the
/// step's merge is the best of the shards' best pairs (`top`). Counts are exact integers and
/// the order of candidates is total, so the merge chosen does not depend on how pairs are
/// spread over shards, nor words over workers: the merges are the same for any thread count.
struct PairShard {
    let workers: Int
    var index = PairIndex(capacity: 1 << 16)
    var pairs: [PairInfo] = []
    /// `lists[t][q]`: words of worker t's block that may contain pair q (every word that does is
    /// there; a word may also be there after it lost the pair, or twice), kept in `pools[t]`.
    var lists: [[WordLists.List]]
    /// This shard's word-list pools, one per worker's block (`MergeShared.pools`).
    let pools: UnsafeMutablePointer<WordLists>
    /// The byte pair of each pair index while the initial counts are made.
    var bytePairs: [Int32] = []
    /// Pairs that gained this step.
    var gained: [Int32] = []
    var step: Int32 = 0
    var heap = Heap<Candidate>()
    /// The shard's best pair with a live count, off the heap while the step's merge is chosen.
    var top: Candidate?
    /// Where `absorb`'s look-ahead reads go (so they are not optimized away).
    var sink: UInt64 = 0
    /// Count changes whose index slots, pairs and lists `absorb` reads ahead.
    static let lookahead = 16

    init(workers: Int, pools: UnsafeMutablePointer<WordLists>) {
        self.workers = workers
        self.pools = pools
        lists = Array(repeating: [], count: workers)
    }

    /// The shard that owns pair `key` among `n` (a multiplicative hash's high bits, independent
    /// of the bits `PairIndex` uses for slots).
    @inline(__always) static func owner(of key: UInt64, among n: Int) -> Int {
        if n == 1 { return 0 }
        let h = (key &* 0xD6E8_FEB8_6659_FD93) >> 32
        return Int(truncatingIfNeeded: (h &* UInt64(n)) >> 32)
    }

    /// The index of pair `key`, added (count 0, no words) if new.
    @inline(__always) mutating func slot(_ key: UInt64) -> Int {
        let (q, inserted) = index.findOrInsert(key, next: Int32(pairs.count))
        if inserted {
            pairs.append(PairInfo(count: 0, key: key, gained: 0))
            for t in 0..<workers { lists[t].append(WordLists.List()) }
        }
        return Int(q)
    }

    /// Indexes the byte pairs this shard (`me`) owns that occur in any worker's block
    /// (`seen[t × 65536 + p]`), in byte-pair order, with the sum of the workers' counts
    /// (`counts[t × 65536 + p]`): pair index q is the q-th of them (`MergeWorker.countInitialPairs`).
    mutating func registerBytePairs(me: Int, counts: UnsafePointer<Int64>, seen: UnsafePointer<UInt8>) {
        let span = MergeWorker.bytePairs
        for p in 0..<span {
            var occurs = false
            var total: Int64 = 0
            for t in 0..<workers {
                occurs = occurs || seen[t * span + p] != 0
                total += counts[t * span + p]
            }
            let key = MergeWorker.key(bytePair: p)
            if !occurs || PairShard.owner(of: key, among: workers) != me { continue }
            let q = slot(key)
            pairs[q].count += total
            bytePairs.append(Int32(p))
        }
    }

    /// Takes the word lists the workers made for this shard's byte pairs (`lists[t × 65536 + p]`),
    /// then queues every pair that occurs and chooses `top`.
    mutating func attachBytePairLists(_ lists: UnsafePointer<WordLists.List>) {
        let span = MergeWorker.bytePairs
        for (q, p) in bytePairs.enumerated() {
            for t in 0..<workers { self.lists[t][q] = lists[t * span + Int(p)] }
        }
        bytePairs = []
        var initial: [Candidate] = []
        initial.reserveCapacity(pairs.count)
        for q in 0..<pairs.count where pairs[q].count > 0 { initial.append(Candidate(count: pairs[q].count, key: pairs[q].key, pair: Int32(q))) }
        heap = Heap(initial)
        chooseTop()
    }

    /// Adds the count changes the workers sent this shard for one merge step (`boxes[t × workers
    /// + me]`, in worker order), emptying the boxes. `won`: this shard's `top` was the step's
    /// merge, whose every occurrence is gone now (so its count is exactly 0). Then the pairs that
    /// gained go on the heap and the new `top` is chosen. O(changes + stale heap entries · log).
    mutating func absorb(_ boxes: UnsafeMutablePointer<PairDeltaBox>, me: Int, won: Bool) {
        step += 1
        for t in 0..<workers {
            let box = boxes + (t * workers + me)
            box.pointee.words.withUnsafeBufferPointer { words in
                box.pointee.entries.withUnsafeBufferPointer { entries in
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: PairShard.lookahead) { qs in
                        var i = 0
                        while i < entries.count {
                            let end = min(entries.count, i + PairShard.lookahead)
                            // As `MergeWorker.rewrite` does for words: first the index slots of the
                            // next entries, then their pairs and lists, are read before any is
                            // updated, so the cache misses (three a change: `perf annotate`) overlap.
                            for j in i..<end { sink &+= index.peek(entries[j].key) }
                            for j in i..<end {
                                let q = slot(entries[j].key)
                                qs[j - i] = q
                                sink &+= UInt64(bitPattern: pairs[q].count) &+ UInt64(lists[t][q].count)
                            }
                            for j in i..<end {
                                let e = entries[j], q = qs[j - i]
                                pairs[q].count += e.delta
                                if e.count > 0 {
                                    pools[t].append(UnsafeBufferPointer(rebasing: words[Int(e.start)..<Int(e.start + e.count)]), to: &lists[t][q])
                                }
                                if e.delta > 0 && pairs[q].gained != step { pairs[q].gained = step; gained.append(Int32(q)) }
                            }
                            i = end
                        }
                    }
                }
            }
            box.pointee.entries.removeAll(keepingCapacity: true)
            box.pointee.words.removeAll(keepingCapacity: true)
        }
        if let previous = top {
            if won {
                let p = Int(previous.pair)
                pairs[p].count = 0
                for t in 0..<workers { pools[t].release(&lists[t][p]) }
            } else {
                heap.insert(previous)
            }
            top = nil
        }
        for q in gained {
            let qi = Int(q)
            if pairs[qi].count > 0 { heap.insert(Candidate(count: pairs[qi].count, key: pairs[qi].key, pair: q)) }
        }
        gained.removeAll(keepingCapacity: true)
        chooseTop()
    }

    /// Pops the heap until its best entry has its pair's live count (re-queueing stale entries
    /// whose pair still occurs), and holds that entry as `top` (nil when no pair is left).
    mutating func chooseTop() {
        while let candidate = heap.popMax() {
            let live = pairs[Int(candidate.pair)].count
            if live == candidate.count {
                top = candidate
                return
            }
            if live > 0 { heap.insert(Candidate(count: live, key: candidate.key, pair: candidate.pair)) }
        }
        top = nil
    }
}
