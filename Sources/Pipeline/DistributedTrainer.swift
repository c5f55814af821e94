import ClusterModule
import Foundation
import Trainer

/// `mpirun -np N tokenmill train-tokenizer …`: each rank counts the pre-tokens of its share of
/// the files (divided by size, `Cluster.partition`), rank 0 gathers the tables, adds them and runs
/// the merge loop once.
///
/// Why the result is byte-identical to one process's: counting is a sum over documents (chunks
/// are cut at safe boundaries and the hold-back is the tail of each document, so neither depends
/// on which files share a process), and the merge loop depends only on the multiset of
/// (pre-token, count). The exception is pruning: when a table outgrows `--memory-limit`, which
/// entries are dropped depends on what each process saw, as it does with any input order.
/// Why gather to one rank rather than allreduce: the merge loop is serial and needs the whole
/// table in one place anyway; the other ranks are done once they have sent theirs.
public enum DistributedTrainer {
    /// Rank 0's training result; nil on the other ranks.
    public static func train(files: [String], options: TrainerOptions, progress: TrainingProgress?, cluster: Cluster) throws -> TrainingResult? {
        guard !files.contains("-") else {
            throw TrainerError(.invalidOption("-"), "standard input (-) cannot be divided among \(cluster.size) ranks: name files or directories, or run one process")
        }
        let all = try BPETrainer.inputFiles(files)
        let mine = cluster.share(files: all).map { all[$0] }
        // A rank with no files counts nothing and still reports (an empty table). `progress` is
        // nil on the other ranks (the command keeps them quiet), so only rank 0 shows counting.
        let counted = try BPETrainer.countPreTokens(files: mine, options: options, progress: progress)
        // Rank 0 keeps its own result and sends an empty part; it merges the others' in rank order.
        guard let parts = try cluster.gather(cluster.isRoot ? [] : counted.serialized()) else { return nil }
        var total = counted
        for part in parts.dropFirst() { total.merge(try CountingResult(serialized: part), options: options) }
        return try BPETrainer.train(counts: total, options: options, progress: progress)
    }
}
