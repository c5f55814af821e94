extension BPETrainer {
    /// The pruning rule: drop every entry whose count is ≤ t, for the smallest t that brings the
    /// table to at most half the limit. Entries with equal counts go together, so the choice
    /// depends only on the table's contents. O(entries + distinct counts · log).
    static func prune(_ table: inout PreTokenCounts, limit: Int, threads: Int, report: inout TrainingReport) {
        // An upper bound of `memoryBytes`: arena and per-entry arrays (28 B) under twice their
        // length, slots (4 B) under four per entry.
        prune(&table, threads: threads, report: &report) { entries, keyBytes in 2 * keyBytes + 72 * entries <= limit / 2 }
    }

    /// Drops every entry whose count is ≤ t, for the smallest t after which `fits(entries, key
    /// bytes)` holds (nothing if it already holds). O(shards) when it already holds, else
    /// O(entries + distinct counts · log).
    static func prune(_ table: inout PreTokenCounts, threads: Int, report: inout TrainingReport,
                      fits: (_ entries: Int, _ keyBytes: Int) -> Bool) {
        var entries = table.count, arena = table.keyBytes
        if fits(entries, arena) { return }   // before the O(entries) pass below
        var byCount: [UInt64: (entries: Int, bytes: Int)] = [:]
        for shard in table.shards {
            for i in 0..<shard.count {
                byCount[shard.counts[i], default: (0, 0)].entries += 1
                byCount[shard.counts[i], default: (0, 0)].bytes += Int(shard.lengths[i])
            }
        }
        var threshold: UInt64 = 0
        for c in byCount.keys.sorted() {
            if fits(entries, arena) { break }
            entries -= byCount[c]!.entries
            arena -= byCount[c]!.bytes
            threshold = c
        }
        var droppedEntries = 0
        var droppedOccurrences: UInt64 = 0
        for (c, v) in byCount where c <= threshold {
            droppedEntries += v.entries; droppedOccurrences += c * UInt64(v.entries)
        }
        table.drop(countsUpTo: threshold, threads: threads)
        report.prunings += 1
        report.prunedEntries += droppedEntries
        report.prunedOccurrences += droppedOccurrences
    }
}
