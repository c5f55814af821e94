import Cleaning
import ClusterModule
import Corpus
import Foundation
import TokenmillSupport
import Shards

/// `mpirun -np N tokenmill shard …`: each rank shards its share of the inputs into
/// `OUT/rank-NNNNN/` (an ordinary shard set with its own journal, so a killed job resumes per
/// rank), then rank 0 writes `OUT/manifest.json` listing every rank's shards.
///
/// Why exchange dedup keys first: exact deduplication in one process keeps the first copy in
/// input order; with the inputs spread over ranks, a rank cannot know whether an earlier input
/// on another rank holds the same text. Each rank therefore reads and cleans its inputs once
/// without tokenizing (the cheap part of the pipeline), the ranks all-gather (key, input index)
/// pairs, and each rank drops the documents whose first occurrence is in an earlier input —
/// so the kept documents are exactly the single-process run's. `--no-dedup` skips the pass.
/// Cost: 20 bytes per distinct kept document of each rank, exchanged and held on every rank.
public enum DistributedShard {
    public static func rankDirectory(_ rank: Int) -> String { String(format: "rank-%05d", rank) }

    /// The job of this rank (the caller has checked, with `Manifest.finished`, that `directory`
    /// does not hold the finished job already).
    public static func prepare(options: ShardOptions, directory: String, threads: Int, cluster: Cluster,
                               minhashMemory: Int = NearDuplicateIndex.defaultMemoryBytes) throws -> ShardJob {
        let mine = cluster.share(files: options.inputs)
        var share = options
        share.inputs = mine.map { options.inputs[$0] }
        let job = try ShardJob(options: share, directory: directory + "/" + rankDirectory(cluster.rank), threads: threads)
        job.inputNumbers = mine
        job.minhashMemory = minhashMemory
        if options.cleaning?.minhash != nil {
            try FileManager.default.createDirectory(atPath: job.directory, withIntermediateDirectories: true)
        }
        try coordinate(job: job, mine: mine, cluster: cluster, workArea: job.directory)
        return job
    }

    /// What the ranks decide together before a rank's job runs (`shard` and `clean`): with
    /// MinHash, the near duplicates and the exact duplicates across ranks from one read (see
    /// DistributedShard+NearDuplicates); otherwise the exact duplicates. `mine`: the global
    /// input index of each of the job's inputs; `workArea`: an existing directory of this
    /// rank's run for the MinHash spill files.
    public static func coordinate(job: ShardJob, mine: [Int], cluster: Cluster, workArea: String) throws {
        if job.options.cleaning?.minhash != nil {
            job.sharedNearDuplicates = try exchangeSignatures(job: job, mine: mine, cluster: cluster, workArea: workArea)
        } else if job.options.dedup {
            try exchangeDedupKeys(job: job, mine: mine, cluster: cluster) { job.dedupKeys(inputIndex: $0) }
        }
    }

    /// Exact deduplication across ranks: sets `job.isEarlierDuplicate`. `keys(i)`: the keys of
    /// the documents of this rank's input `i` that cleaning and filtering keep, in order.
    static func exchangeDedupKeys(job: ShardJob, mine: [Int], cluster: Cluster, keys: (Int) throws -> [DocumentKey]) throws {
        // Only a key's first occurrence on this rank matters (`mine` is ascending, so it carries
        // the smallest input index): later repeats are not sent.
        var payload: [UInt8] = []
        var sent = Set<DocumentKey>()
        for (local, global) in mine.enumerated() {
            for key in try keys(local) where sent.insert(key).inserted {
                for k in 0..<16 { payload.append(key[k]) }
                payload.appendLE(UInt32(global))
            }
        }
        var first: [DocumentKey: UInt32] = [:]
        for part in try cluster.allGather(payload) {
            part.withUnsafeBytes { raw in
                for off in stride(from: 0, to: raw.count, by: 20) {
                    var key = DocumentKey()
                    for k in 0..<16 { key[k] = raw[off + k] }
                    let input = raw.readLE(UInt32.self, at: off + 16)
                    if let seen = first[key], seen <= input { continue }
                    first[key] = input
                }
            }
        }
        job.isEarlierDuplicate = { key, local in (first[key] ?? .max) < UInt32(mine[local]) }
    }

    /// After every rank's job: rank 0 merges the per-rank manifests into `directory`'s and
    /// returns it; the other ranks return nil.
    public static func finish(options: ShardOptions, directory: String, cluster: Cluster) throws -> Manifest? {
        try cluster.barrier()
        guard cluster.isRoot else { return nil }
        let parts = try (0..<cluster.size).map { r in
            (directory: rankDirectory(r), manifest: try Manifest.load(directory: directory + "/" + rankDirectory(r)))
        }
        let manifest = try Manifest.merge(parts, options: options)
        let tokenizer = try InputFile.read(directory + "/" + rankDirectory(0) + "/" + parts[0].manifest.tokenizer.file)
        var copy = try OutputWriter(path: directory + "/tokenizer.json")
        try copy.write(tokenizer)
        try copy.close()
        try manifest.write(to: directory)
        return manifest
    }
}
