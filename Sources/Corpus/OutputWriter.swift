#if canImport(Glibc)
import Glibc
#endif

/// Buffered output to standard output or to a file. A file is written under a temporary name,
/// fsynced and renamed on `close()`, so a crash never leaves a half-written file under the real
/// name.
public struct OutputWriter {
    private let fd: Int32
    private let path: String?
    private let temporaryPath: String?
    private var buffer: [UInt8] = []

    public init(path: String?) throws {
        self.path = path
        if let path, path != "-" {
            let temporary = "\(path).tmp-\(getpid())"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw InputError("cannot create \(path): \(String(cString: strerror(errno)))") }
            self.fd = fd
            self.temporaryPath = temporary
        } else {
            fd = 1
            temporaryPath = nil
        }
        buffer.reserveCapacity(1 << 20)
    }

    public mutating func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public mutating func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                if let temporaryPath { unlink(temporaryPath) }
                throw InputError("cannot write \(path ?? "standard output"): \(reason)")
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Abandons the output: a file's temporary is removed and the real name is left untouched.
    public func discard() {
        guard let temporaryPath else { return }
        Glibc.close(fd)
        unlink(temporaryPath)
    }

    public mutating func close() throws {
        try flush()
        guard let temporaryPath, let path else { return }
        if fsync(fd) != 0 || Glibc.close(fd) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw InputError("cannot write \(path): \(reason)")
        }
        if rename(temporaryPath, path) != 0 {
            throw InputError("cannot rename \(temporaryPath) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
