import ClusterModule
import Corpus
import Foundation
import Shards
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// `mpirun -np N tokenmill clean … -o FILE`: the same bytes in `FILE`, the same `--dropped-out`
/// files and the same summary as one process.
///
/// Each rank cleans its share of the inputs (`Cluster.share`), deciding exact and near
/// duplicates together with the others as `shard` does (`DistributedShard.coordinate`), and
/// writes each input's kept records to a part file `part-NNNNNN.jsonl` (NNNNNN: the input's
/// number in the whole job) in the work folder `FILE.parts.tmp-PID` (PID: rank 0's), beside
/// the output; `--dropped-out` files are per input already, each rank writes its own. Rank 0
/// gathers the ranks' reports, then joins the parts in input order into `FILE` through the same
/// buffering and compression as one process (`TextParts.join`), and removes the work folder.
///
/// Why parts joined by rank 0 rather than ranks appending to one file: the ranks' shares are
/// not contiguous runs of inputs (they are balanced by size), and a `.zst` output's frames
/// (one per 4 MiB of records) must fall where one process puts them for the bytes to agree;
/// only a writer that sees every record in order can do that. Cost: the kept text once more on
/// disk (uncompressed) and read once more by rank 0. A killed job leaves the work folder (and
/// no `FILE`); the next run in the same place removes it (its rank 0 is gone).
public enum DistributedClean {
    /// Runs this rank's share; returns the job's report on rank 0 (after `output` is written),
    /// nil on the others. `configure` sets up the rank's job (warnings, `--dropped-out`,
    /// `--minhash-memory`) before anything is read.
    public static func run(options: ShardOptions, output: String, threads: Int, cluster: Cluster,
                           configure: (ShardJob) throws -> Void) throws -> CleanReport? {
        guard output != "-" else {
            throw ShardError("-o -: under mpirun the output must be a file (rank 0 joins the ranks' parts into it); run without mpirun to write standard output")
        }
        if let message = OutputWriter.missingFolderMessage(creating: output, named: output) { throw ShardError(message) }
        let base = output + ".parts"
        var pid: [UInt8] = []
        if cluster.isRoot {
            ShardJob.removeStaleTemporaries(of: base)
            try FileManager.default.createDirectory(atPath: base + ".tmp-\(getpid())", withIntermediateDirectories: false)
            pid.appendLE(UInt32(getpid()))
        }
        // Rank 0 made the folder before this all-gather, so it exists on every rank after it.
        let work = base + ".tmp-\(try cluster.allGather(pid)[0].readLE32(0))"
        do {
            let mine = cluster.share(files: options.inputs)
            var share = options
            share.inputs = mine.map { options.inputs[$0] }
            let job = try ShardJob(textOptions: share, threads: threads)
            job.inputNumbers = mine
            try configure(job)
            try DistributedShard.coordinate(job: job, mine: mine, cluster: cluster, workArea: work)
            let report = try job.runTextParts(into: work)
            // Every rank has closed its parts when rank 0 has its report.
            guard let reports = try cluster.gather(try report.encoded()) else { return nil }
            let merged = CleanReport.merge(try reports.map(CleanReport.decode), options: options, output: output)
            try TextParts.join(work, inputs: options.inputs.count, to: output)
            try FileManager.default.removeItem(atPath: work)
            return merged
        } catch {
            if cluster.isRoot { try? FileManager.default.removeItem(atPath: work) }
            throw error
        }
    }
}
