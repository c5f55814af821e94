/// A chunk's table with its entry indices grouped by shard (ascending within each shard), so
/// that every shard of the global table can take its part without scanning the rest.
struct ShardedChunk: Sendable {
    var table: PieceTable
    var order: [Int32]
    /// `order[offsets[s]..<offsets[s + 1]]` are the entries of shard s.
    var offsets: [Int]
    /// The key bytes of shard s's entries.
    var keyBytes: [Int]

    /// Counting sort by shard. O(entries).
    init(_ table: PieceTable) {
        self.table = table
        var counts = [Int](repeating: 0, count: PreTokenCounts.shardCount + 1)
        var bytes = [Int](repeating: 0, count: PreTokenCounts.shardCount)
        for (i, h) in table.hashes.enumerated() {
            let s = PreTokenCounts.shard(ofHash: h)
            counts[s + 1] += 1
            bytes[s] += Int(table.lengths[i])
        }
        keyBytes = bytes
        for s in 0..<PreTokenCounts.shardCount { counts[s + 1] += counts[s] }
        offsets = counts
        var next = counts
        var order = [Int32](repeating: 0, count: table.count)
        for (i, h) in table.hashes.enumerated() {
            let s = PreTokenCounts.shard(ofHash: h)
            order[next[s]] = Int32(i); next[s] += 1
        }
        self.order = order
    }
}
