import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// Errors opening or reading input files: what was expected, what was found, what to do.
public struct InputError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// Runs a `FileIO` call, its failure as an `InputError` with the same text ("cannot read
    /// PATH: reason", with "at byte N" for a positioned read).
    @inline(__always)
    static func reading<T>(_ body: () throws(FileIOError) -> T) throws(InputError) -> T {
        do throws(FileIOError) { return try body() } catch { throw InputError(error.description) }
    }
}

public enum InputFile {
    /// Reads a whole file (or standard input for "-"); `.gz`, `.zst` and `.bz2` files are
    /// decompressed by their streams (`openByteStream`), so a truncated or damaged one is an
    /// error naming the file rather than its compressed bytes taken as text. O(n) in the
    /// decompressed size, which it holds whole.
    public static func read(_ path: String) throws -> [UInt8] {
        var stream = try openByteStream(path)
        var result: [UInt8] = []
        while let chunk = try stream.next() { result.append(contentsOf: chunk) }
        return result
    }

    /// Reads a file's bytes as stored.
    public static func readRaw(_ path: String) throws -> [UInt8] {
        let fd = path == "-" ? 0 : open(path, O_RDONLY)
        if fd < 0 { throw InputError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { if fd != 0 { close(fd) } }
        var result: [UInt8] = []
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0 { result.reserveCapacity(Int(st.st_size)) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try buffer.withUnsafeMutableBytes { raw in
                try InputError.reading { () throws(FileIOError) in try FileIO.read(fd, into: raw.baseAddress!, count: raw.count, path: path) }
            }
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }
}
