import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// Buffered output to standard output or to a file. A regular file is written under a temporary
/// name, fsynced, renamed and its folder fsynced on `close()` (`FileIO.commit`), so a crash never
/// leaves a half-written file under the real name, and an output abandoned by an error (the writer released without `close()`)
/// leaves no temporary behind.
///
/// What is already at the path is never replaced by something else: a symbolic link is followed
/// (its target is written, atomically, and the link stays); a FIFO, a character or block device
/// or a socket (`-o /dev/null`, `-o >(…)`) is written through, streaming, as a shell redirection
/// would; a directory is refused.
public struct OutputWriter {
    /// Owns the temporary file: removes it when the last copy of the writer goes away unless
    /// `close()` renamed it.
    final class Temporary {
        let path: String
        var done = false
        init(_ path: String) { self.path = path }
        deinit { if !done { unlink(path) } }
    }

    private let fd: Int32
    private let path: String?
    private let temporary: Temporary?
    private var buffer: [UInt8] = []

    public init(path: String?) throws {
        guard let path, path != "-" else {
            self.path = path
            fd = 1
            temporary = nil
            buffer.reserveCapacity(1 << 20)
            return
        }
        var target = path
        var st = stat()
        if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFLNK {
            guard let resolved = realpath(path, nil) else {
                throw InputError(.io, path: path, "cannot write \(path): it is a symbolic link whose target cannot be resolved (\(String(cString: strerror(errno)))); remove the link or name its target")
            }
            target = String(cString: resolved)
            free(resolved)
        }
        if stat(target, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                throw InputError(.invalidRequest, path: path, "cannot write \(path): it is a directory; name a file inside it")
            case S_IFREG:
                break
            default:
                // A FIFO, device or socket: stream into it, never replace it with a file.
                let fd = open(target, O_WRONLY | O_CLOEXEC)
                guard fd >= 0 else { throw InputError(.io, path: path, "cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
                self.fd = fd
                self.path = path
                temporary = nil
                buffer.reserveCapacity(1 << 20)
                return
            }
        }
        let temporaryPath = "\(target).tmp-\(getpid())"
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = errno
            if reason == ENOENT, let message = Self.missingFolderMessage(creating: target, named: path) {
                throw InputError(.io, path: path, message)
            }
            throw InputError(.io, path: path, "cannot create \(path): \(String(cString: strerror(reason)))")
        }
        self.fd = fd
        temporary = Temporary(temporaryPath)
        self.path = target
        buffer.reserveCapacity(1 << 20)
    }

    /// "cannot create NAME: the folder … does not exist; create it first (mkdir -p …) …" when the
    /// folder `target` would go in is missing, nil when it exists (or `target` names none). The
    /// one wording of that hint, for every command that creates an output file.
    public static func missingFolderMessage(creating target: String, named name: String) -> String? {
        guard let slash = target.lastIndex(of: "/"), slash != target.startIndex else { return nil }
        let folder = String(target[..<slash])
        var st = stat()
        guard stat(folder, &st) != 0 else { return nil }
        return "cannot create \(name): the folder \(folder) does not exist; create it first (mkdir -p \(folder)) or name a file in an existing folder"
    }

    public mutating func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public mutating func flush() throws {
        let fd = fd, name = path ?? "standard output"
        do {
            try buffer.withUnsafeBytes { raw in try FileIO.writeAll(fd, raw, path: name) }
        } catch {
            if let temporary { unlink(temporary.path); temporary.done = true }
            throw (error as? FileIOError).map(InputError.init) ?? InputError(.io, path: name, "\(error)")   // "cannot write PATH: reason", as before
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Abandons the output: a file's temporary is removed and the real name is left untouched.
    public func discard() {
        guard fd != 1 else { return }
        Glibc.close(fd)
        if let temporary { unlink(temporary.path); temporary.done = true }
    }

    public mutating func close() throws {
        try flush()
        guard fd != 1, let path else { return }
        guard let temporary else {
            if Glibc.close(fd) != 0 { throw InputError(.io, path: path, "cannot write \(path): \(String(cString: strerror(errno)))") }
            return
        }
        do throws(FileIOError) {
            try FileIO.commit(fd, temporary: temporary.path, to: path)
        } catch where error.operation == .rename {
            throw InputError(error)   // "cannot rename TMP to PATH: reason"
        } catch {
            throw InputError(.io, path: path, "cannot write \(path): \(error.reason)")
        }
        temporary.done = true
    }
}
