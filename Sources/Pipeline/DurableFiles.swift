import TokenmillSupport

/// Durable writes of the run folder and its checkpoints: write + fsync, atomic publish by rename.
/// The calls are `TokenmillSupport.FileIO`'s (one EINTR loop, one atomic replace); failures are
/// `FileIOError`s naming the file and the call, not model errors.
public enum DurableFiles {
    /// Writes `data` to `path` and fsyncs it.
    public static func write(_ data: some Collection<UInt8>, to path: String) throws(FileIOError) {
        try FileIO.write(data, to: path)
    }

    /// fsyncs a directory (so renames inside it are durable).
    public static func syncDirectory(_ path: String) { FileIO.syncDirectory(path) }

    /// Atomically replaces the file at `path` with `data` (temp file, fsync, rename, fsync dir).
    public static func replace(_ path: String, with data: some Collection<UInt8>) throws(FileIOError) {
        try FileIO.replace(path, with: data)
    }
}
