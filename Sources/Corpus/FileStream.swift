import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// Plain file bytes. Closes its descriptor when the last copy goes away.
public struct FileStream: ByteStream {
    final class Handle {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }
        deinit { if fd > 2 { close(fd) } }
    }
    let handle: Handle
    let path: String
    let chunkSize: Int
    public private(set) var bytesRead = 0

    public init(path: String, chunkSize: Int = 1 << 20) throws {
        let fd = path == "-" ? 0 : open(path, O_RDONLY)
        if fd < 0 { throw InputError(.io, path: path, "cannot open \(path): \(String(cString: strerror(errno)))") }
        handle = Handle(fd)
        self.path = path
        self.chunkSize = chunkSize
    }

    public mutating func next() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        let fd = handle.fd, path = path
        let n = try buffer.withUnsafeMutableBytes { raw in
            try InputError.reading { () throws(FileIOError) in try FileIO.read(fd, into: raw.baseAddress!, count: raw.count, path: path) }
        }
        if n == 0 { return nil }
        bytesRead += n
        buffer.removeSubrange(n...)
        return buffer
    }
}
