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
/// 1. each rank reads its inputs once (`ShardJob.signaturePass`), exchanges the exact-dedup keys
///    from that same read (`exchangeDedupKeys`: one read serves both, where they used to be two)
///    and drops exact duplicates as the main pass will, then all-gathers
///    `(global input: UInt32, documents read: UInt32)` per input; every rank then numbers the
///    documents as one process would (inputs in global order, documents in read order);
/// 2. each rank's signed documents, `(global ordinal: UInt32, digests: buckets × UInt64)`, are
///    gathered on rank 0 in rounds of at most `roundBytes` per rank (the number of rounds is the
///    largest rank's, from an all-gather of the byte counts);
/// 3. rank 0 clusters and all-gathers `(candidate pairs: UInt64, spilled runs: UInt64, spilled
///    entries: UInt64, bitmap of near duplicates over global ordinals)`; the other ranks send
///    nothing.
/// Cost: 4 + 8 × buckets bytes per signed document (116 with 14 buckets) sent once and held by
/// its rank until sent (during the read, 16 bytes of key and 8 × buckets of digests per kept
/// document of the rank); rank 0's index as in one process.
extension DistributedShard {
    /// At most this many bytes per rank per gather round: 64 MiB, less when the memory bound
    /// divided over the ranks is smaller (rank 0 holds one round of every rank at a time).
    static func roundBytes(memory: Int, ranks: Int, recordBytes: Int) -> Int {
        let bytes = min(64 << 20, memory / max(1, ranks), (Int(Int32.max) - 1) / max(1, ranks))
        return max(1, bytes / recordBytes) * recordBytes
    }

    static func exchangeSignatures(job: ShardJob, mine: [Int], cluster: Cluster) throws -> SharedNearDuplicates {
        let buckets = job.options.cleaning?.minhash?.buckets ?? 14
        let recordBytes = 4 + 8 * buckets
        // 1. One read of this rank's inputs: the filter-kept documents' keys and signatures.
        var kept: [(ordinal: Int, input: Int, key: DocumentKey, digests: Int?)] = []
        var allDigests: [UInt64] = []
        let perInput = try job.signaturePass(exactDedup: false) { ordinal, input, key, digests in
            kept.append((ordinal, input, key, digests.map { _ in allDigests.count }))
            if let digests { allDigests += digests }
        }
        // Exact deduplication across ranks from the same keys, then this rank's signatures
        // (with its own ordinals for now) of the documents that survive it, as the main pass will.
        if job.options.dedup {
            var keysOf = [[DocumentKey]](repeating: [], count: mine.count)
            for k in kept { keysOf[k.input].append(k.key) }
            try exchangeDedupKeys(job: job, mine: mine, cluster: cluster) { keysOf[$0] }
        }
        var payload: [UInt8] = []
        var signed = 0
        var seen = Set<DocumentKey>()
        for k in kept {
            if job.options.dedup {
                if !seen.insert(k.key).inserted { continue }
                if let earlier = job.isEarlierDuplicate, earlier(k.key, k.input) { continue }
            }
            guard let at = k.digests else { continue }
            signed += 1
            payload.appendLE(UInt32(k.ordinal))
            for d in allDigests[at..<(at + buckets)] { payload.appendLE(d) }
        }
        kept = []
        allDigests = []
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
        // This rank's ordinals → global ones (the payload's ordinals ascend, so one walk).
        var localStart: [Int] = []
        var start = 0
        for n in documentsOf { localStart.append(start); start += n }
        var input = 0
        for off in stride(from: 0, to: payload.count, by: recordBytes) {
            let local = Int(payload.readLE32(off))
            while input + 1 < localStart.count && local >= localStart[input + 1] { input += 1 }
            let global = UInt32(offset[mine[input]]! + local - localStart[input])
            payload.writeLE(global, at: off)
        }
        // 2. Gather on rank 0, in rounds.
        let round = roundBytes(memory: job.minhashMemory, ranks: cluster.size, recordBytes: recordBytes)
        var sizes: [UInt8] = []
        sizes.appendLE(UInt64(payload.count))
        let rounds = try cluster.allGather(sizes).map { ($0.readLE64(0) + UInt64(round) - 1) / UInt64(round) }.max() ?? 0
        var index: NearDuplicateIndex? = cluster.isRoot ? job.makeNearDuplicateIndex(spillArea: job.directory) : nil
        defer { index?.removeRuns() }
        index?.cover(documents: total)
        for r in 0..<Int(rounds) {
            let from = min(payload.count, r * round), to = min(payload.count, from + round)
            let parts = try cluster.gather(Array(payload[from..<to]))
            guard index != nil, let parts else { continue }
            for part in parts {
                var digests = [UInt64](repeating: 0, count: buckets)
                for off in stride(from: 0, to: part.count, by: recordBytes) {
                    for b in 0..<buckets { digests[b] = part.readLE64(off + 4 + 8 * b) }
                    try index!.add(Int(part.readLE32(off)), digests)
                }
            }
        }
        payload = []
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
        if cluster.isRoot {
            counters["minhash.candidate_pairs"] = Int(reply.readLE64(0))
            if reply.readLE64(8) > 0 {
                counters["minhash.spilled_runs"] = Int(reply.readLE64(8))
                counters["minhash.spilled_entries"] = Int(reply.readLE64(16))
            }
        } else {
            counters["minhash.candidate_pairs"] = 0
        }
        return SharedNearDuplicates(set: set, counters: counters)
    }
}
