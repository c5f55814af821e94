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
    /// `pools[o × workers + t]`: shard o's word lists of worker t's block (`PairShard.lists`);
    /// written by worker t while the initial pairs are counted, then only by shard o's owner.
    let pools: UnsafeMutablePointer<WordLists>
    /// Per worker, per byte pair: its block's weighted occurrences, whether any occurred, and the
    /// list of its words (`MergeWorker.countInitialPairs`).
    let byteCounts: UnsafeMutablePointer<Int64>
    let byteSeen: UnsafeMutablePointer<UInt8>
    let byteLists: UnsafeMutablePointer<WordLists.List>
    let barrier: PhaseBarrier
    /// Token lengths by id, written by worker 0 when it makes a token, before the step that
    /// needs it is published.
    let tokenLength: UnsafeMutablePointer<Int32>
    /// The step the workers take together next, written by worker 0 before the barrier that
    /// starts it.
    let step: UnsafeMutablePointer<MergeStep>
    /// Steps whose pair's lists hold fewer words than this are taken by worker 0 alone.
    let parallelWords: Int
    let targetTokens: Int
    let minFrequency: Int64
    let maxTokenLength: Int32
}

/// A merge step as worker 0 publishes it to the others: (a, b) → `newID`, the shard that owns
/// (a, b) and its index there; `stop` ends the loop.
struct MergeStep {
    var a: UInt32 = 0
    var b: UInt32 = 0
    var newID: UInt32 = 0
    var number: Int32 = 0
    var winner = -1
    var pair: Int32 = -1
    var stop = false
}

/// One thread of the merge loop: the worker of one block of words and the owner of one pair shard.
///
/// Worker 0 leads: it chooses each step's merge, the best of the shards' `top`s, and the new
/// token's id. A step whose pair is on at least the current threshold of words (every step
/// while the threads have their cores: `MergeShared.parallelWords`) is taken by all workers:
/// (1) each rewrites the words of its block on the pair's lists, summing the count changes by
/// neighbour symbol (`NeighbourSums`), and sends each changed pair's sum to its shard's owner;
/// barrier; (2) each owner adds the changes its shard received and chooses the shard's new `top`;
/// barrier. On a busy machine, where a descheduled thread stalls every step it takes part in,
/// the threshold rises (`lead`) and the smaller steps are taken by worker 0 alone, block by block
/// and shard by shard (the same work, so the same result), while the others wait (and soon
/// sleep). With one thread this is the serial merge loop.
struct MergeWorker {
    let me: Int
    let shared: MergeShared
    var left: NeighbourSums
    var right: NeighbourSums
    /// Where `rewrite`'s look-ahead reads go (so they are not optimized away).
    var sink: UInt32 = 0
    /// The step's list of words, copied out of its shard's pool.
    var list: [UInt32] = []
    /// Words whose records `rewrite` reads ahead.
    static let lookahead = 16

    init(me: Int, shared: MergeShared) {
        self.me = me
        self.shared = shared
        left = NeighbourSums(symbols: max(256, shared.targetTokens))
        right = NeighbourSums(symbols: max(256, shared.targetTokens))
    }

    /// Hugging Face's rule (tokenizers 0.23 `Word::merge`): a pair is counted only if the token it
    /// would make is shorter than max_token_length; pairs of two bytes are always counted.
    /// Applied to both increments and decrements, so every count stays exact.
    @inline(__always) func counted(_ length: Int32) -> Bool { length == 2 || length < shared.maxTokenLength }

    /// Counts the initial pairs (with the other workers), then (worker 0) leads the loop or (the
    /// others) takes the steps worker 0 shares. Worker 0's result carries the merges.
    mutating func run(progress: ((Int, Int) -> Void)?) -> MergeResult {
        let setupStart = DispatchTime.now().uptimeNanoseconds
        countInitialPairs()
        shared.barrier.wait()
        var result = MergeResult(tokens: [], merges: [], mergeCounts: [])
        result.setupSeconds = Double(DispatchTime.now().uptimeNanoseconds - setupStart) / 1e9
        if me == 0 { lead(&result, progress: progress) } else { follow() }
        // No worker reads another's shard any more: each frees its own (its pairs, heap and the
        // slabs of its word lists), in parallel.
        for t in 0..<shared.workers { shared.pools[me * shared.workers + t].deallocate() }
        shared.shards[me] = PairShard(workers: shared.workers, pools: shared.pools + me * shared.workers)
        return result
    }

    /// Worker 0's loop: choose, then take the step with all workers or alone.
    mutating func lead(_ result: inout MergeResult, progress: ((Int, Int) -> Void)?) {
        let workers = shared.workers
        var tokens: [[UInt8]] = ByteAlphabet.order.map { [$0] }
        var idOfBytes: [[UInt8]: UInt32] = [:]
        for (id, b) in ByteAlphabet.order.enumerated() { idOfBytes[[b]] = UInt32(id) }
        result.stopReason = "vocabulary size reached"
        let total = max(0, shared.targetTokens - 256)
        var number: Int32 = 0
        // Steps are shared while sharing pays, judged over windows of at least 64 shared steps and
        // `MergeLoop.windowNanoseconds`: if in two windows in a row worker 0 waited at the barriers
        // more than half as long as it worked (the others were descheduled on a busy machine),
        // only steps on at least `MergeLoop.busyWords` words (and twice the last threshold) are
        // shared from then on; below a quarter the threshold halves again, down to
        // `parallelWords`. (One bad window is often a single descheduling: with the session at
        // nice -20 most windows waited 1-35%, a few 40-220%.)
        var threshold = shared.parallelWords
        var worked: UInt64 = 0, waited: UInt64 = 0, sharedSteps = 0, badWindows = 0
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
                shared.tokenLength[Int(newID)] = Int32(merged.count)
                idOfBytes[merged] = newID
            }
            result.merges.append((a, b))
            result.mergeCounts.append(top.count)
            number += 1
            shared.step.pointee = MergeStep(a: a, b: b, newID: newID, number: number, winner: winner, pair: top.pair)
            var words = 0
            for t in 0..<workers { words += Int(shared.shards[winner].lists[t][Int(top.pair)].count) }
            if workers > 1 && words >= threshold {
                shared.barrier.wait()   // the others take the step too
                let (work, wait) = takeStep(block: me, shard: me)
                worked += work; waited += wait; sharedSteps += 1
                if sharedSteps >= 64 && worked + waited >= MergeLoop.windowNanoseconds {
                    if waited <= worked / 2 {
                        badWindows = 0
                        if waited < worked / 4 { threshold = max(shared.parallelWords, threshold / 2) }
                    } else {
                        badWindows += 1
                        if badWindows == 2 { threshold = min(max(threshold * 2, MergeLoop.busyWords), 1 << 40); badWindows = 0 }
                    }
                    worked = 0; waited = 0; sharedSteps = 0
                }
            } else {
                for t in 0..<workers { takeStep(block: t, shard: nil) }
                for o in 0..<workers { shared.shards[o].absorb(shared.boxes, me: o, won: winner == o) }
            }
            progress?(result.merges.count, total)
        }
        result.tokens = tokens
        if workers > 1 {
            shared.step.pointee.stop = true
            shared.barrier.wait()
        }
    }

    /// The other workers' loop: wait for a shared step (or the end) and take it.
    mutating func follow() {
        while true {
            shared.barrier.wait()
            if shared.step.pointee.stop { return }
            takeStep(block: me, shard: me)
        }
    }

    /// This worker's part of the published step: rewrite `block`'s words and send the changes;
    /// with a `shard`, then (between barriers) add that shard's changes. Returns the nanoseconds
    /// spent working and waiting at the barriers.
    @discardableResult
    mutating func takeStep(block: Int, shard: Int?) -> (work: UInt64, wait: UInt64) {
        let start = DispatchTime.now().uptimeNanoseconds
        let step = shared.step.pointee
        shared.pools[step.winner * shared.workers + block].copy(shared.shards[step.winner].lists[block][Int(step.pair)], into: &list)
        rewrite(list, a: step.a, b: step.b, newID: step.newID, step: step.number)
        send(a: step.a, b: step.b, newID: step.newID, from: block)
        guard let shard else { return (0, 0) }
        var wait = shared.barrier.waitTimed()
        shared.shards[shard].absorb(shared.boxes, me: shard, won: step.winner == shard)
        wait += shared.barrier.waitTimed()
        return (DispatchTime.now().uptimeNanoseconds - start - wait, wait)
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
    mutating func send(a: UInt32, b: UInt32, newID: UInt32, from block: Int) {
        let tokenLength = shared.tokenLength
        let lenA = tokenLength[Int(a)], lenB = tokenLength[Int(b)], newLen = tokenLength[Int(newID)]
        for i in 0..<left.touchedCount {
            let x = left.touched[i], xi = Int(x)
            let d = left.weight[xi], lx = tokenLength[xi]
            left.weight[xi] = 0
            if counted(lx + lenA) { post(UInt64(x) << 32 | UInt64(a), -d, nil, from: block) }
            if counted(lx + newLen) { post(UInt64(x) << 32 | UInt64(newID), d, &left.words[xi], from: block) }
            left.words[xi].removeAll(keepingCapacity: true)
        }
        left.touchedCount = 0
        for i in 0..<right.touchedCount {
            let y = right.touched[i], yi = Int(y)
            let d = right.weight[yi], ly = tokenLength[yi]
            right.weight[yi] = 0
            if counted(lenB + ly) { post(UInt64(b) << 32 | UInt64(y), -d, nil, from: block) }
            if counted(newLen + ly) { post(UInt64(newID) << 32 | UInt64(y), d, &right.words[yi], from: block) }
            right.words[yi].removeAll(keepingCapacity: true)
        }
        right.touchedCount = 0
    }

    /// Puts one pair's change in `block`'s box for the pair's owner, copying `words` (if any) to
    /// the box's words.
    @inline(__always) func post(_ key: UInt64, _ delta: Int64, _ words: UnsafePointer<[UInt32]>?, from block: Int) {
        let box = shared.boxes + (block * shared.workers + PairShard.owner(of: key, among: shared.workers))
        var start: UInt32 = 0, count: UInt32 = 0
        if let words {
            start = UInt32(box.pointee.words.count)
            count = UInt32(words.pointee.count)
            box.pointee.words.append(contentsOf: words.pointee)
        }
        box.pointee.entries.append(PairDelta(key: key, delta: delta, start: start, count: count))
    }

    /// Frees the per-step arrays.
    func release() {
        left.release(symbols: max(256, shared.targetTokens))
        right.release(symbols: max(256, shared.targetTokens))
    }
}
