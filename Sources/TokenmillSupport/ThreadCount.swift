#if canImport(Glibc)
import Glibc
#endif

/// The thread count every stage uses when none is given (tokenizer batches, BPE training,
/// sharding, the CLI's `--threads` defaults).
public enum ThreadCount {
    /// All cores of the machine (online processors), at least 1.
    public static var `default`: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
