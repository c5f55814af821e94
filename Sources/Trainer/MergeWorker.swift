import Dispatch

/// What the merge loop's threads share: the words (each worker rewrites only its own block), the
/// pair shards (each written only by its owner), the boxes the workers send count changes in,
/// and the barrier that separates the steps' phases. Raw pointers: every thread touches only
/// what the current phase gives it (see `MergeWorker.run`), so no locking is needed.
struct MergeShared: @unchecked Sendable {
    let workers: Int
    let arena: WordArena
    /// Worker t's words are the records from `blocks[t]` up to `blocks[t + 1]`.
    let blocks: [Int]
    let shards: UnsafeMutablePointer<PairShard>
    /// `boxes[from × workers + to]`: from worker `from` to shard `to`.
    let boxes: UnsafeMutablePointer<PairDeltaBox>
    let barrier: PhaseBarrier
    let targetTokens: Int
    let minFrequency: Int64
    let maxTokenLength: Int32
}

/// One thread of the merge loop: the worker of one block of words and the owner of one pair shard.
///
/// Every step, all workers: (1) choose the step's merge, the best of the shards' `top`s (each
/// worker computes the same choice, and the same new token id from its own copy of the
/// vocabulary); (2) rewrite the words of their block that are on the pair's list, summing the
/// count changes by neighbour symbol (`NeighbourSums`), and send each changed pair's sum to its
/// shard's owner; barrier; (3) as owners, add the changes their shard received and choose its
/// new `top`; barrier. No step has a serial part: with one thread this is the serial merge loop.
struct MergeWorker {
    let me: Int
    let shared: MergeShared
    var tokens: [[UInt8]] = ByteAlphabet.order.map { [$0] }
    var tokenLength: [Int32] = Array(repeating: 1, count: 256)
    var idOfBytes: [[UInt8]: UInt32] = [:]
    var left: NeighbourSums
    var right: NeighbourSums
    /// Where `rewrite`'s look-ahead reads go (so they are not optimized away).
    var sink: UInt32 = 0
    /// Words whose records `rewrite` reads ahead.
    static let lookahead = 16

    init(me: Int, shared: MergeShared) {
        self.me = me
        self.shared = shared
        for (id, b) in ByteAlphabet.order.enumerated() { idOfBytes[[b]] = UInt32(id) }
        left = NeighbourSums(symbols: max(256, shared.targetTokens))
        right = NeighbourSums(symbols: max(256, shared.targetTokens))
    }

    /// Hugging Face's rule (tokenizers 0.23 `Word::merge`): a pair is counted only if the token it
    /// would make is shorter than max_token_length; pairs of two bytes are always counted.
    /// Applied to both increments and decrements, so every count stays exact.
    @inline(__always) func counted(_ length: Int32) -> Bool { length == 2 || length < shared.maxTokenLength }

    /// Runs the whole loop on this thread, in step with the other workers. Worker 0's result
    /// carries the merges (the others' are the same).
    mutating func run(progress: ((Int, Int) -> Void)?) -> MergeResult {
        let workers = shared.workers
        let setupStart = DispatchTime.now().uptimeNanoseconds
        shared.shards[me].countPairs(me: me, arena: shared.arena, blocks: shared.blocks)
        shared.barrier.wait()
        var result = MergeResult(tokens: [], merges: [], mergeCounts: [])
        result.setupSeconds = Double(DispatchTime.now().uptimeNanoseconds - setupStart) / 1e9
        result.stopReason = "vocabulary size reached"
        let total = max(0, shared.targetTokens - 256)
        var step: Int32 = 0
        while tokens.count < shared.targetTokens {
            var best: Candidate? = nil
            var winner = -1
            for o in 0..<workers {
                if let c = shared.shards[o].top, best.map({ c > $0 }) ?? true { best = c; winner = o }
            }
            guard let top = best else { result.stopReason = "no pairs left"; break }
            if top.count < 1 || top.count < shared.minFrequency { result.stopReason = "next pair below --min-frequency"; break }
            let a = UInt32(truncatingIfNeeded: top.key >> 32), b = UInt32(truncatingIfNeeded: top.key)
            let merged = tokens[Int(a)] + tokens[Int(b)]
            let newID: UInt32
            if let existing = idOfBytes[merged] {
                newID = existing
                result.duplicateMerges += 1
            } else {
                newID = UInt32(tokens.count)
                tokens.append(merged)
                tokenLength.append(Int32(merged.count))
                idOfBytes[merged] = newID
            }
            result.merges.append((a, b))
            result.mergeCounts.append(top.count)
            step += 1
            let list = shared.shards[winner].lists[me][Int(top.pair)]
            rewrite(list, a: a, b: b, newID: newID, step: step)
            send(a: a, b: b, newID: newID)
            shared.barrier.wait()
            shared.shards[me].absorb(shared.boxes, me: me, won: winner == me)
            shared.barrier.wait()
            progress?(result.merges.count, total)
        }
        // Every worker has read the shards' tops for the last time: each frees its own shard (its
        // millions of word lists), in parallel.
        shared.barrier.wait()
        shared.shards[me] = PairShard(workers: workers)
        result.tokens = tokens
        return result
    }

    /// Merges every (a, b) in the listed words of this block (left to right, non-overlapping, as
    /// Hugging Face's `Word::merge`), adding each occurrence's neighbours to `left` and `right`.
    mutating func rewrite(_ list: [UInt32], a: UInt32, b: UInt32, newID: UInt32, step: Int32) {
        let arena = shared.arena, stamp = UInt32(bitPattern: step)
        var touch: UInt32 = 0
        list.withUnsafeBufferPointer { list in
            var i = 0
            while i < list.count {
                let end = min(list.count, i + MergeWorker.lookahead)
                // Read the next words' first and last lines before rewriting any: independent
                // loads, so their cache misses overlap instead of coming one word at a time.
                for j in i..<end { touch &+= arena.record(Int(list[j]))[2] }
                for j in i..<end { let r = arena.record(Int(list[j])); touch &+= r[3 + Int(r[2])] }
                for j in i..<end {
                    let w = list[j], r = arena.record(Int(w))
                    if r[3] == stamp { continue }
                    r[3] = stamp
                    let n = Int(r[2]), c = WordArena.count(r), sym = r + 4
                    var k = 0
                    while k + 1 < n && !(sym[k] == a && sym[k + 1] == b) { k += 1 }
                    if k + 1 >= n { continue }   // no longer contains the pair
                    var rd = k, out = k
                    while rd < n {
                        if rd + 1 < n && sym[rd] == a && sym[rd + 1] == b {
                            if out > 0 { left.add(sym[out - 1], c, w) }
                            if rd + 2 < n { right.add(sym[rd + 2], c, w) }
                            sym[out] = newID
                            out += 1; rd += 2
                        } else {
                            sym[out] = sym[rd]
                            out += 1; rd += 1
                        }
                    }
                    r[2] = UInt32(out)
                }
                i = end
            }
        }
        sink &+= touch
    }

    /// Sends the step's count changes to the shards that own the pairs: per left neighbour x,
    /// (x, a) loses and (x, n) gains its weight (with its words); per right neighbour y, (b, y)
    /// loses and (n, y) gains. Resets `left` and `right`.
    mutating func send(a: UInt32, b: UInt32, newID: UInt32) {
        let lenA = tokenLength[Int(a)], lenB = tokenLength[Int(b)], newLen = tokenLength[Int(newID)]
        for i in 0..<left.touchedCount {
            let x = left.touched[i], xi = Int(x)
            let d = left.weight[xi], lx = tokenLength[xi]
            left.weight[xi] = 0
            if counted(lx + lenA) { post(UInt64(x) << 32 | UInt64(a), -d, nil) }
            if counted(lx + newLen) { post(UInt64(x) << 32 | UInt64(newID), d, &left.words[xi]) } else { left.words[xi] = [] }
        }
        left.touchedCount = 0
        for i in 0..<right.touchedCount {
            let y = right.touched[i], yi = Int(y)
            let d = right.weight[yi], ly = tokenLength[yi]
            right.weight[yi] = 0
            if counted(lenB + ly) { post(UInt64(b) << 32 | UInt64(y), -d, nil) }
            if counted(newLen + ly) { post(UInt64(newID) << 32 | UInt64(y), d, &right.words[yi]) } else { right.words[yi] = [] }
        }
        right.touchedCount = 0
    }

    /// Puts one pair's change in the box for its owner, moving `words` (if any) into the box.
    @inline(__always) func post(_ key: UInt64, _ delta: Int64, _ words: UnsafeMutablePointer<[UInt32]>?) {
        let box = shared.boxes + (me * shared.workers + PairShard.owner(of: key, among: shared.workers))
        var list: Int32 = -1
        if let words {
            list = Int32(box.pointee.lists.count)
            box.pointee.lists.append([])
            swap(&box.pointee.lists[Int(list)], &words.pointee)
        }
        box.pointee.entries.append(PairDelta(key: key, delta: delta, list: list))
    }

    /// Frees the per-step arrays.
    func release() {
        left.release(symbols: max(256, shared.targetTokens))
        right.release(symbols: max(256, shared.targetTokens))
    }
}
