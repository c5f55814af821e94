import ClusterModule
import Foundation
import GPTModule

/// The job this process belongs to: itself alone, or the ranks of `mpirun`/`srun`.
public enum Ranks {
    /// Runs a command's body on every rank. On success every rank finalizes MPI; on an error a
    /// rank of a multi-rank job prints it with its rank and aborts the whole job, because the
    /// others may be waiting in a collective this rank will never reach (MPI_Finalize would
    /// wait for them too).
    public static func run(_ body: (Cluster) throws -> Void) throws {
        let cluster = try Cluster.join()
        do {
            try body(cluster)
        } catch {
            guard cluster.isDistributed else { throw error }
            FileHandle.standardError.write(Data("tokenmill: rank \(cluster.rank) of \(cluster.size): error: \(error)\n".utf8))
            cluster.abort(code: 1)
        }
        cluster.finalize()
    }
}

extension Cluster: DataParallelGroup {
    public func sumValues(_ values: inout [Double]) throws { try sum(&values) }
    public func startSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> any PendingReduction {
        let pending: PendingSum = try startSum(buffer)
        return pending
    }
}

extension Cluster.PendingSum: PendingReduction {}
