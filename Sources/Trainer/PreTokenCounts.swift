import BPE
import Dispatch

/// Unique pre-tokens (byte strings) with their occurrence counts: what counting produces, what
/// tables from several workers (or, later, several processes) are merged into, and what the merge
/// loop trains on.
///
/// The table is split into `shardCount` shards by the top bits of each key's hash, so merging two
/// tables, pruning, and folding a chunk's counts run shard by shard on several threads without
/// locks. The shard of a key depends only on its bytes and the number of shards is fixed, so the
/// layout — and every decision made from it — is the same for any thread count. Within a shard,
/// entries keep their insertion order.
///
/// Memory: about (key bytes + 36) bytes per entry (`memoryBytes` is the figure `--memory-limit`
/// bounds).
public struct PreTokenCounts: Sendable {
    /// 16 shards: enough to keep 2–8 threads busy, few enough that each shard stays large.
    static let shardBits = 4
    static let shardCount = 1 << shardBits
    var shards: [PieceTable]

    public init() { shards = (0..<Self.shardCount).map { _ in PieceTable(capacity: 1 << 10) } }

    @inline(__always) static func shard(ofHash h: UInt64) -> Int { Int(truncatingIfNeeded: h >> UInt64(64 - shardBits)) }

    /// The number of unique pre-tokens. O(shards).
    public var count: Int { shards.reduce(0) { $0 + $1.count } }

    /// The sum of all counts. O(n).
    public var totalOccurrences: UInt64 { shards.reduce(0) { $0 &+ $1.totalOccurrences } }

    /// The total length of the keys. O(shards).
    public var keyBytes: Int { shards.reduce(0) { $0 + $1.arena.count } }

    /// Bytes held (keys, per-entry arrays, slot arrays): the figure the memory limit bounds. O(shards).
    public var memoryBytes: Int { shards.reduce(0) { $0 + $1.memoryBytes } }

    /// Adds `count` occurrences of the pre-token `bytes`. Amortized O(bytes).
    public mutating func add(_ bytes: [UInt8], count: UInt64 = 1) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBufferPointer { b in add(b.baseAddress!, b.count, count: count) }
    }

    /// Adds `count` occurrences of the `n` bytes at `p` (nothing if `n` is 0), copying them into
    /// the table: for callers that read keys out of a larger buffer without an array per key.
    /// Amortized O(n).
    mutating func add(_ p: UnsafePointer<UInt8>, _ n: Int, count: UInt64) {
        guard n > 0 else { return }
        let h = ByteStringHash.hash(p, n)
        shards[Self.shard(ofHash: h)].add(p, n, count: count, hash: h)
    }

    /// Adds every entry of `other` (the "reduce" of map-reduce counting), shards in parallel on
    /// up to `threads` threads. O(entries of `other`).
    public mutating func merge(_ other: PreTokenCounts, threads: Int = 1) {
        let others = other.shards
        forEachShard(threads: threads) { s, table in table.merge(others[s]) }
    }

    /// Calls `body` with every pre-token and its count, shard by shard in insertion order.
    public func forEach(_ body: (UnsafeBufferPointer<UInt8>, UInt64) throws -> Void) rethrows {
        for table in shards {
            try table.arena.withUnsafeBufferPointer { a in
                for i in 0..<table.count {
                    try body(UnsafeBufferPointer(rebasing: a[table.starts[i]..<(table.starts[i] + Int(table.lengths[i]))]), table.counts[i])
                }
            }
        }
    }

    /// Runs `body` on every shard, on up to `threads` threads (worker w takes shards w,
    /// w + threads, …). The shards are disjoint, so no locking is needed.
    mutating func forEachShard(threads: Int, _ body: @Sendable (Int, inout PieceTable) -> Void) {
        let workers = max(1, min(threads, Self.shardCount))
        if workers == 1 {
            for s in 0..<shards.count { body(s, &shards[s]) }
            return
        }
        shards.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for s in stride(from: w, to: Self.shardCount, by: workers) { body(s, &buffer[s]) }
            }
        }
    }

    /// Adds a chunk's table, whose entries were grouped by shard (`ShardedChunk`), shards in
    /// parallel. Equivalent to adding the chunk's entries in their order. O(chunk entries).
    mutating func merge(_ chunk: ShardedChunk, threads: Int) { merge([chunk], threads: threads) }

    /// Adds several chunks' tables in order, in one parallel pass (each shard takes the chunks
    /// one after another). O(chunk entries).
    mutating func merge(_ chunks: [ShardedChunk], threads: Int) {
        forEachShard(threads: threads) { s, table in
            for chunk in chunks {
                let t = chunk.table
                t.arena.withUnsafeBufferPointer { a in
                    guard let base = a.baseAddress else { return }
                    for k in chunk.offsets[s]..<chunk.offsets[s + 1] {
                        let i = Int(chunk.order[k])
                        table.add(base + t.starts[i], Int(t.lengths[i]), count: t.counts[i], hash: t.hashes[i])
                    }
                }
            }
        }
    }

    /// An upper bound of `memoryBytes` after adding `chunks` (as if every entry were new).
    /// `memoryBytes` never decreases while adding, so if this is within a limit, so is every
    /// intermediate state. O(shards × chunks).
    func memoryBound(adding chunks: [ShardedChunk]) -> Int {
        var total = 0
        for s in 0..<shards.count {
            var entries = 0, bytes = 0
            for c in chunks { entries += c.offsets[s + 1] - c.offsets[s]; bytes += c.keyBytes[s] }
            total += shards[s].memoryBound(addingEntries: entries, keyBytes: bytes)
        }
        return total
    }

    /// Keeps the entries whose count is above `threshold`, shards in parallel.
    mutating func drop(countsUpTo threshold: UInt64, threads: Int) {
        forEachShard(threads: threads) { _, table in
            let old = table
            table = old.filtered { old.counts[$0] > threshold }
        }
    }
}
