import Dispatch

/// The merge loop's words, each a record of UInt32s: its count (two words, low first), its
/// length, its stamp (the last merge step that rewrote it: a word can be on a pair's list twice),
/// then its symbols (token ids), padded to a multiple of four; word w's record starts at
/// `base + 4·w`. A word's id is this position, so the pairs' word lists hold UInt32s and reach
/// 64 GB of words.
///
/// Why one record: a merge visits the words on its pair's list in no particular order, and each
/// visit used to miss the cache twice (the word's start/length/count, then its symbols): 80% of
/// the merge loop's time (perf, 103.6 MB at 32,768). Header and symbols together are one miss,
/// or two adjacent lines.
struct WordArena {
    let base: UnsafeMutablePointer<UInt32>
    /// Word ids end here (exclusive): records of 16 bytes in all.
    let units: Int

    /// 16-byte units of a word of `length` symbols.
    @inline(__always) static func units(length: Int) -> Int { (4 + length + 3) >> 2 }

    /// Copies `table`'s pre-tokens (bytes mapped to their token ids, `ByteAlphabet.idOfByte`), in
    /// its order, the table's shards spread over `threads` threads (each shard's records go where
    /// one thread would put them, so the arena is the same for any thread count). O(key bytes).
    /// Why threads: the copy was 0.05-0.08 s on one thread between counting and the merge loop,
    /// serial on any thread count.
    init(_ table: PreTokenCounts, threads: Int) {
        // Each shard's first record: the units of all shards before it.
        var starts = [0]
        for shard in table.shards {
            var total = 0
            for i in 0..<shard.count { total += Self.units(length: Int(shard.lengths[i])) }
            starts.append(starts[starts.count - 1] + total)
        }
        units = starts[starts.count - 1]
        let base = UnsafeMutablePointer<UInt32>.allocate(capacity: max(4, units * 4))
        self.base = base
        let idOfByte = ByteAlphabet.idOfByte
        let shards = table.shards, workers = max(1, min(threads, shards.count)), first = starts
        nonisolated(unsafe) let records = base
        DispatchQueue.concurrentPerform(iterations: workers) { t in
            for k in stride(from: t, to: shards.count, by: workers) {
                let shard = shards[k]
                var w = first[k]
                shard.arena.withUnsafeBufferPointer { bytes in
                    for i in 0..<shard.count {
                        let n = Int(shard.lengths[i]), r = records + 4 * w
                        let count = shard.counts[i]
                        r[0] = UInt32(truncatingIfNeeded: count)
                        r[1] = UInt32(truncatingIfNeeded: count >> 32)
                        r[2] = UInt32(n)
                        r[3] = 0
                        let s = shard.starts[i]
                        for k in 0..<n { r[4 + k] = idOfByte[Int(bytes[s + k])] }
                        for k in n..<(Self.units(length: n) * 4 - 4) { r[4 + k] = 0 }
                        w += Self.units(length: n)
                    }
                }
            }
        }
    }

    func deallocate() { base.deallocate() }

    @inline(__always) func record(_ w: Int) -> UnsafeMutablePointer<UInt32> { base + 4 * w }

    @inline(__always) static func count(_ r: UnsafeMutablePointer<UInt32>) -> Int64 {
        Int64(bitPattern: UInt64(r[0]) | UInt64(r[1]) << 32)
    }
}
