import Cleaning
import ClusterModule
import Foundation
import Shards
import TokenmillSupport

/// MinHash near-deduplication across ranks: the same clusters, and so the same kept documents,
/// as one process reading every input in order.
///
/// Why the ranks send bucket digests to rank 0 rather than documents: a near duplicate is
/// decided by the bucket digests alone (`NearDuplicateIndex`), 8 bytes per bucket per document
/// against kilobytes of text. Why one rank clusters rather than every rank: ranks often share a
/// machine, and one index (bounded by `--minhash-memory`, spilling past it) is then all the
/// memory the job needs for it; the answer, one bit per document, goes back to every rank.
///
/// Protocol (every message little-endian; every rank calls the same collectives in order):
/// 1. each rank reads its inputs once (`ShardJob.signaturePass`), keeping the exact-dedup keys
///    of that read for `exchangeDedupKeys` (one read serves both) and spooling its signed
///    documents' `(local ordinal, key, digests)` records (`SignatureSpool`: in memory up to
///    `--minhash-memory`, then in a file of its own in the work area); it then all-gathers
///    `(global input: UInt32, documents read: UInt32)` per input, and every rank numbers the
///    documents as one process would (inputs in global order, documents in read order);
/// 2. each rank streams its spooled records, without the exact duplicates of an earlier input
///    on another rank and renumbered globally, `(global ordinal: UInt32, digests: buckets ×
///    UInt64)`, to rank 0 in rounds of at most `roundBytes` per rank (the number of rounds is
///    the largest rank's record count over a round's, from an all-gather), and rank 0 adds each
///    round to its index (bounded by `--minhash-memory`, spilling sorted runs past it);
/// 3. rank 0 clusters and all-gathers `(candidate pairs: UInt64, spilled runs: UInt64, spilled
///    entries: UInt64, bitmap of near duplicates over global ordinals)`; the other ranks send
///    nothing.
/// Memory per rank: its spooled records up to `--minhash-memory` (132 bytes per signed document
/// with 14 buckets: past the bound they are on disk), then one round; rank 0 also its index (as
/// one process's, bounded the same way) and one round of every rank (at most the bound in all);
/// every rank one bit per document of the job for the answer. Exact deduplication is not
/// bounded: 16 bytes of key per document of the rank, and the keys of every rank (see
/// `exchangeDedupKeys`).
extension DistributedShard {
    /// At most this many bytes per rank per gather round: 8 MiB, less when the memory bound
    /// divided over the ranks is smaller (rank 0 holds one round of every rank at a time, twice:
    /// the receive buffer and its split per rank). Why 8 MiB: with 64 MiB rounds, rank 0 of a
    /// 2-rank run on 1 M documents peaked at 531 MB against one process's 275 MB (BENCHMARKS.md);
    /// a round of 8 MiB is 72,000 records, so the extra collectives cost nothing measurable.
    static func roundBytes(memory: Int, ranks: Int, recordBytes: Int) -> Int {
        let bytes = min(8 << 20, memory / max(1, ranks), (Int(Int32.max) - 1) / max(1, ranks))
        return max(1, bytes / recordBytes) * recordBytes
    }

    /// `workArea`: a directory of this rank's run (the rank's shard directory; `clean`'s work
    /// folder) where the rank's records spill (`SignatureSpool`) and rank 0's index spills.
    static func exchangeSignatures(job: ShardJob, mine: [Int], cluster: Cluster, workArea: String) throws -> SharedNearDuplicates {
        let buckets = job.options.cleaning?.minhash?.buckets ?? 14
        let recordBytes = 4 + 8 * buckets
        // 1. One read of this rank's inputs: the exact-dedup keys of the documents the filters
        // keep (duplicates within the rank already dropped: `isEarlierDuplicate` is not set
        // yet, so the pass drops only those), and the signed ones' records, spilled past the bound.
        precondition(job.isEarlierDuplicate == nil)
        var keysOf = [[DocumentKey]](repeating: [], count: mine.count)
        var spool = SignatureSpool(buckets: buckets, memoryBytes: job.minhashMemory, directory: workArea)
        defer { spool.close() }
        let perInput = try job.signaturePass { ordinal, input, key, digests in
            if job.options.dedup { keysOf[input].append(key) }
            if let digests { try spool.append(ordinal: ordinal, key: key, digests: digests) }
        }
        try spool.finishWriting()
        // Exact deduplication across ranks from the same keys.
        if job.options.dedup {
            try exchangeDedupKeys(job: job, mine: mine, cluster: cluster) { keysOf[$0] }
        }
        keysOf = []
        var counts: [UInt8] = []
        for (local, global) in mine.enumerated() { counts.appendLE(UInt32(global)); counts.appendLE(UInt32(perInput[local])) }
        var perGlobal: [Int: Int] = [:]
        for part in try cluster.allGather(counts) {
            for off in stride(from: 0, to: part.count, by: 8) { perGlobal[Int(part.readLE32(off))] = Int(part.readLE32(off + 4)) }
        }
        var offset: [Int: Int] = [:]
        var total = 0
        for input in perGlobal.keys.sorted() { offset[input] = total; total += perGlobal[input]! }
        guard total <= Int(UInt32.max) else {
            throw ShardError("--filters minhash numbers documents with 32 bits: the inputs hold \(total) documents; split the job into runs of at most \(UInt32.max)")
        }
        let documentsOf = perInput
        var localStart: [Int] = []
        var start = 0
        for n in documentsOf { localStart.append(start); start += n }
        // 2. Gather on rank 0, in rounds of at most `round` bytes per rank, read from the spool.
        // The number of rounds is fixed before any is sent: every rank's record count (before
        // the cross-rank exact duplicates are left out) bounds its payload; all-gathered, the
        // largest sets the rounds, so every rank calls `gather` the same number of times.
        let round = roundBytes(memory: job.minhashMemory, ranks: cluster.size, recordBytes: recordBytes)
        let perRound = round / recordBytes
        var sizes: [UInt8] = []
        sizes.appendLE(UInt64(spool.count))
        sizes.appendLE(UInt64(spool.spilled))
        let gathered = try cluster.allGather(sizes)
        let rounds = gathered.map { ($0.readLE64(0) + UInt64(perRound) - 1) / UInt64(perRound) }.max() ?? 0
        let anySpilled = gathered.contains { $0.readLE64(8) > 0 }
        var index: NearDuplicateIndex? = cluster.isRoot ? job.makeNearDuplicateIndex(spillArea: workArea) : nil
        defer { index?.removeRuns() }
        index?.cover(documents: total)
        var signed = 0
        var input = 0   // the input of the record being read (records ascend in ordinal)
        let spoolRecord = spool.recordBytes
        for _ in 0..<Int(rounds) {
            // This rank's records of the round, renumbered as one process would, without the
            // documents an earlier input on another rank holds.
            var payload: [UInt8] = []
            payload.reserveCapacity(min(round, spool.count * recordBytes))
            while payload.count + recordBytes <= round {
                let chunk = try spool.next(max: (round - payload.count) / recordBytes)
                if chunk.isEmpty { break }
                for off in stride(from: 0, to: chunk.count, by: spoolRecord) {
                    let local = Int(chunk.readLE32(off))
                    while input + 1 < localStart.count && local >= localStart[input + 1] { input += 1 }
                    if job.options.dedup, let earlier = job.isEarlierDuplicate {
                        var key = DocumentKey()
                        for k in 0..<16 { key[k] = chunk[off + 4 + k] }
                        if earlier(key, input) { continue }
                    }
                    signed += 1
                    payload.appendLE(UInt32(offset[mine[input]]! + local - localStart[input]))
                    payload += chunk[(off + 20)..<(off + spoolRecord)]
                }
            }
            let parts = try cluster.gather(payload)
            guard index != nil, let parts else { continue }
            var digests = [UInt64](repeating: 0, count: buckets)
            for part in parts {
                for off in stride(from: 0, to: part.count, by: recordBytes) {
                    for b in 0..<buckets { digests[b] = part.readLE64(off + 4 + 8 * b) }
                    try index!.add(Int(part.readLE32(off)), digests)
                }
            }
        }
        let spilledSignatures = spool.spilled
        spool.close()
        // 3. Rank 0 clusters; every rank gets the answer.
        var answer: [UInt8] = []
        if index != nil {
            let (set, pairs) = try index!.duplicates()
            answer.appendLE(UInt64(pairs))
            answer.appendLE(UInt64(index!.spilledRuns))
            answer.appendLE(UInt64(index!.spilledEntries))
            answer += set.bytes
        }
        let reply = try cluster.allGather(answer)[0]
        let global = DocumentSet(bytes: Array(reply[24...]), count: total)
        var set = DocumentSet(count: start)
        for (local, n) in documentsOf.enumerated() {
            let base = offset[mine[local]]!
            for k in 0..<n where global.contains(base + k) { set.insert(localStart[local] + k) }
        }
        var counters = ["minhash.signatures": signed, "minhash.near_duplicates": set.count]
        if spilledSignatures > 0 { counters["minhash.spilled_signatures"] = spilledSignatures }
        if cluster.isRoot {
            counters["minhash.candidate_pairs"] = Int(reply.readLE64(0))
            if reply.readLE64(8) > 0 {
                counters["minhash.spilled_runs"] = Int(reply.readLE64(8))
                counters["minhash.spilled_entries"] = Int(reply.readLE64(16))
            }
            // Only when some rank's records spilled past the bound (as the other spill counters),
            // so that a job within the bound reports one process's counters.
            if anySpilled { counters["minhash.spilled_rounds"] = Int(rounds) }
        } else {
            counters["minhash.candidate_pairs"] = 0
        }
        return SharedNearDuplicates(set: set, counters: counters)
    }
}
