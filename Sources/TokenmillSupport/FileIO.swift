#if canImport(Glibc)
import Glibc
#endif

/// A failed file-system call, with the file and the call as fields (not a formatted string).
public struct FileIOError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Operation: String, Sendable { case create, open, read, write, fsync, close, rename }
    public var operation: Operation
    public var path: String
    /// For a rename: where the file was to go.
    public var destination: String?
    /// For a positioned read: the byte offset it started at.
    public var offset: Int64?
    /// The `errno` of the failed call.
    public var code: Int32

    public init(_ operation: Operation, path: String, destination: String? = nil, offset: Int64? = nil, code: Int32 = errno) {
        self.operation = operation; self.path = path; self.destination = destination; self.offset = offset; self.code = code
    }

    /// The system's text for `code` ("Input/output error"), for callers that word the message
    /// themselves.
    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        switch operation {
        case .rename: return "cannot rename \(path) to \(destination ?? "?"): \(reason)"
        case .fsync: return "fsync \(path) failed: \(reason)"
        case .read where offset != nil: return "cannot read \(path) at byte \(offset!): \(reason)"
        default: return "cannot \(operation.rawValue) \(path): \(reason)"
        }
    }
}

/// File I/O on descriptors: the one EINTR loop, durable writes (fsync) and the atomic replace
/// (temporary name, fsync, rename, directory fsync), as swift-system keeps one retry loop
/// behind its `FileDescriptor` calls.
public enum FileIO {
    /// Writes all of `bytes` to `fd`, retrying on EINTR and after short writes.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(FileIOError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError(.write, path: path)
            }
            done += n
        }
    }

    /// Reads up to `count` bytes into `buffer`, retrying on EINTR; returns the bytes read (0 at
    /// the end of the file).
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, path: String) throws(FileIOError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n >= 0 { return n }
            if errno != EINTR { throw FileIOError(.read, path: path) }
        }
    }

    /// Reads into all of `buffer` from byte `offset` on (`pread`, which leaves the descriptor's
    /// position alone, so threads may share it), retrying on EINTR and after short reads; returns
    /// the bytes read, less than `buffer.count` only where the file ends first (the caller says
    /// what a short file means).
    public static func read(_ fd: Int32, at offset: Int64, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(FileIOError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = Glibc.pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError(.read, path: path, offset: offset)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Makes a file written under a temporary name durable and gives it its real name: fsyncs
    /// and closes `fd` (open on `temporary`), renames `temporary` to `path`, and fsyncs the
    /// folder holding `path`. The streaming form of `replace`; `fd` is closed in every case.
    public static func commit(_ fd: Int32, temporary: String, to path: String) throws(FileIOError) {
        guard fsync(fd) == 0 else {
            let error = FileIOError(.fsync, path: temporary)
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw FileIOError(.close, path: temporary) }
        try rename(temporary, to: path)
        syncDirectory(parent(of: path))
    }

    /// Writes `data` to `path` (created or truncated) and fsyncs it.
    public static func write(_ data: some Collection<UInt8>, to path: String) throws(FileIOError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileIOError(.create, path: path) }
        defer { close(fd) }
        let bytes = Array(data)
        do {
            try bytes.withUnsafeBytes { raw in try writeAll(fd, raw, path: path) }
        } catch let error as FileIOError {
            throw error
        } catch {
            throw FileIOError(.write, path: path, code: EIO)
        }
        guard fsync(fd) == 0 else { throw FileIOError(.fsync, path: path) }
    }

    /// fsyncs a directory, so that renames inside it survive a power loss. Best effort: a
    /// directory that cannot be opened is left alone.
    public static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    /// Renames `from` to `to` (atomic within one file system).
    public static func rename(_ from: String, to: String) throws(FileIOError) {
        guard Glibc.rename(from, to) == 0 else { throw FileIOError(.rename, path: from, destination: to) }
    }

    /// Atomically replaces the file at `path` with `data`: written to `PATH.tmp-PID`, fsynced,
    /// renamed to `path`, and the parent directory fsynced.
    public static func replace(_ path: String, with data: some Collection<UInt8>) throws(FileIOError) {
        let tmp = path + ".tmp-\(getpid())"
        try write(data, to: tmp)
        try rename(tmp, to: path)
        syncDirectory(parent(of: path))
    }

    /// The folder part of `path` ("." for a bare name), as `NSString.deletingLastPathComponent`
    /// gives it for the paths used here.
    public static func parent(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        if slash == p.startIndex { return "/" }
        return String(p[..<slash])
    }
}
