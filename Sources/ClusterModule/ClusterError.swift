/// What went wrong between the ranks of a job.
public enum ClusterError: Error, CustomStringConvertible, Equatable {
    /// An MPI call failed: usually another rank died or the launcher lost it.
    case mpi(call: String, code: Int32, message: String)
    /// One gather would move more than MPI's 32-bit byte count allows.
    case tooLarge(bytes: Int)

    public var description: String {
        switch self {
        case let .mpi(call, code, message):
            return "\(call) failed (MPI error \(code): \(message)); another rank probably stopped — see its message above, fix that and rerun the same command to resume"
        case let .tooLarge(bytes):
            return "one exchange between ranks would carry \(bytes) bytes, more than the 2 GiB MPI allows in one message; use more ranks or smaller inputs"
        }
    }
}
