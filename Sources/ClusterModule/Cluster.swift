import MPIShim

#if canImport(Glibc)
import Glibc
#endif

/// The processes of one job: one process on its own, or the ranks `mpirun`/`srun` started.
///
/// Why no MPI at all for a single process: `MPI_Init` outside a launcher works in Open MPI
/// (singleton mode) but costs start-up time and may print transport warnings; a process that
/// was not launched by a launcher is a job of one, and every collective below is then the
/// identity. Why Open MPI and not a cluster layer of our own: HPC schedulers already launch it
/// (Slurm `srun`, PBS), and its shared-memory transport serves local ranks.
///
/// All collectives act on every rank of the job and must be called by all of them in the same
/// order; only the thread that called `join()` may call them (MPI_THREAD_FUNNELED).
public final class Cluster: @unchecked Sendable {
    // @unchecked: immutable after init; MPI calls are funnelled through one thread by contract.
    public let rank: Int
    public let size: Int
    /// True when this process is a rank of an MPI job (even a job of one).
    public let usesMPI: Bool
    public var isRoot: Bool { rank == 0 }
    public var isDistributed: Bool { size > 1 }

    /// A job of one process, without MPI.
    public static let single = Cluster(rank: 0, size: 1, usesMPI: false)

    private init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
    }

    /// Environment variables a launcher sets for its ranks: Open MPI's mpirun, PMIx (srun
    /// --mpi=pmix), PMI/PMI2 (MPICH's hydra, srun --mpi=pmi2).
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"]

    /// Whether a launcher started this process.
    public static var launchedByMPI: Bool { launcherVariables.contains { getenv($0) != nil } }

    /// Joins the MPI job when a launcher started this process (initializing MPI once), else
    /// returns `single`. Call it once, early, from the thread that will make the MPI calls.
    public static func join() throws -> Cluster {
        guard launchedByMPI else { return single }
        var r: Int32 = 0, s: Int32 = 1
        try check(tm_mpi_init(&r, &s), "MPI_Init_thread")
        return Cluster(rank: Int(r), size: Int(s), usesMPI: true)
    }

    /// Ends MPI cleanly (all ranks call it at the end of a successful run).
    public func finalize() {
        if usesMPI { _ = tm_mpi_finalize() }
    }

    /// Ends every rank of the job with `code`: what a rank does after an error, so that the
    /// others do not wait forever in a collective it will never reach.
    public func abort(code: Int32) -> Never {
        if usesMPI { _ = tm_mpi_abort(code) }
        exit(code)
    }

    public func barrier() throws {
        if isDistributed { try Self.check(tm_mpi_barrier(), "MPI_Barrier") }
    }

    // MARK: reductions

    /// MPI counts are 32-bit: larger buffers go in pieces of at most this many elements.
    static let maxCount = 1 << 30

    /// Element-wise sum over all ranks, in place.
    public func sum(_ values: inout [Double]) throws {
        guard isDistributed else { return }
        try values.withUnsafeMutableBufferPointer { b in
            try Self.pieces(b.count) { off, n in try Self.check(tm_mpi_allreduce_sum_f64(b.baseAddress! + off, Int32(n)), "MPI_Allreduce") }
        }
    }

    /// Starts an in-place float sum over all ranks and returns at once; the buffer must stay
    /// untouched until the reduction is waited for. Every rank must start the same reductions
    /// in the same order.
    public func startSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingSum {
        var requests: [UnsafeMutableRawPointer?] = []
        if isDistributed, buffer.count > 0 {
            try Self.pieces(buffer.count) { off, n in
                var request: UnsafeMutableRawPointer? = nil
                try Self.check(tm_mpi_iallreduce_sum_f32(buffer.baseAddress! + off, Int32(n), &request), "MPI_Iallreduce")
                requests.append(request)
            }
        }
        return PendingSum(requests: requests)
    }

    /// A reduction started by `startSum`.
    public final class PendingSum {
        var requests: [UnsafeMutableRawPointer?]
        init(requests: [UnsafeMutableRawPointer?]) { self.requests = requests }

        /// Lets MPI move the reduction on (Open MPI progresses non-blocking collectives only
        /// inside MPI calls); true once it is complete.
        @discardableResult
        public func test() throws -> Bool {
            while let first = requests.first {
                var request = first
                var done: Int32 = 0
                try Cluster.check(tm_mpi_test(&request, &done), "MPI_Test")
                if done == 0 { requests[0] = request; return false }
                requests.removeFirst()
            }
            return true
        }

        public func wait() throws {
            while !requests.isEmpty {
                var request = requests.removeFirst()
                try Cluster.check(tm_mpi_wait(&request), "MPI_Wait")
            }
        }
    }

    // MARK: byte exchange

    /// Every rank's bytes, in rank order, on every rank.
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard isDistributed else { return [bytes] }
        let (counts, displs, total) = try layout(bytes.count)
        var all = [UInt8](repeating: 0, count: total)
        try bytes.withUnsafeBytes { send in
            try all.withUnsafeMutableBytes { receive in
                try Self.check(tm_mpi_allgatherv_bytes(send.baseAddress, Int32(bytes.count), receive.baseAddress, counts, displs), "MPI_Allgatherv")
            }
        }
        return Self.split(all, counts: counts, displs: displs)
    }

    /// Every rank's bytes, in rank order, on `root`; nil on the other ranks.
    public func gather(_ bytes: [UInt8], root: Int = 0) throws -> [[UInt8]]? {
        guard isDistributed else { return [bytes] }
        let (counts, displs, total) = try layout(bytes.count)
        var all = [UInt8](repeating: 0, count: rank == root ? total : 0)
        try bytes.withUnsafeBytes { send in
            try all.withUnsafeMutableBytes { receive in
                try Self.check(tm_mpi_gatherv_bytes(send.baseAddress, Int32(bytes.count), receive.baseAddress, counts, displs, Int32(root)), "MPI_Gatherv")
            }
        }
        guard rank == root else { return nil }
        return Self.split(all, counts: counts, displs: displs)
    }

    /// Counts and offsets of every rank's part of a gather.
    private func layout(_ count: Int) throws -> ([Int32], [Int32], Int) {
        var all = [Int64](repeating: 0, count: size)
        try Self.check(tm_mpi_allgather_i64(Int64(count), &all), "MPI_Allgather")
        let total = all.reduce(0, +)
        guard total <= Int64(Int32.max) else { throw ClusterError.tooLarge(bytes: Int(total)) }
        var displs: [Int32] = []
        var off: Int32 = 0
        for c in all { displs.append(off); off += Int32(c) }
        return (all.map { Int32($0) }, displs, Int(total))
    }

    /// The received buffer of a gather cut back into one array per rank. O(total bytes).
    private static func split(_ all: [UInt8], counts: [Int32], displs: [Int32]) -> [[UInt8]] {
        zip(counts, displs).map { count, displ in Array(all[Int(displ)..<Int(displ + count)]) }
    }

    // MARK: helpers

    static func pieces(_ count: Int, _ body: (Int, Int) throws -> Void) rethrows {
        var off = 0
        while off < count {
            let n = Swift.min(maxCount, count - off)
            try body(off, n)
            off += n
        }
    }

    static func check(_ code: Int32, _ call: String) throws {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        tm_mpi_error_string(code, &text, Int32(text.count))
        let message = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw ClusterError.mpi(call: call, code: code, message: message)
    }
}
