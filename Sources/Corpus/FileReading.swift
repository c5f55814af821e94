import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// Errors opening or reading input files: what was expected, what was found, what to do.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, in the terms a caller acts on.
    public enum Kind: Sendable, Equatable {
        /// The system refused to open, read, create, write or rename the file (`errno`'s reason
        /// is in the message).
        case io
        /// The data ends early: a cut download, an unfinished compressed frame, a missing footer.
        case truncated
        /// The bytes are not what the format requires (a damaged file, or another format).
        case malformed
        /// Valid input that uses something Tokenmill does not read (encryption, a codec, a
        /// nested column, Parquet from a stream).
        case unsupported
        /// A request that cannot be served from the inputs given (an empty folder, a missing column).
        case invalidRequest
    }
    public let kind: Kind
    /// The file as it was named (or "standard input"), or, for a failure of one document, the
    /// document's location (`FILE#RECORD`, `FILE:LINE`).
    public let path: String
    /// The byte offset the message names (uncompressed for compressed input), where known.
    public let byteOffset: Int?
    /// The record, line, page or row the message names, as it prints it, where known.
    public let record: Int?
    /// The message the CLI prints: the place, what was expected and found, and what to do.
    public let description: String

    public init(_ kind: Kind, path: String, byteOffset: Int? = nil, record: Int? = nil, _ description: String) {
        self.kind = kind
        self.path = path
        self.byteOffset = byteOffset
        self.record = record
        self.description = description
    }

    /// A `FileIOError` as an `InputError` with the same text ("cannot read PATH: reason", with
    /// "at byte N" for a positioned read), path and offset.
    public init(_ error: FileIOError) {
        self.init(.io, path: error.path, byteOffset: error.offset.map { Int($0) }, error.description)
    }

    /// Runs a `FileIO` call, its failure as an `InputError` (`init(_: FileIOError)`).
    @inline(__always)
    static func reading<T>(_ body: () throws(FileIOError) -> T) throws(InputError) -> T {
        do throws(FileIOError) { return try body() } catch { throw InputError(error) }
    }

    /// The same failure with `context` appended to its message (fields kept).
    public func adding(_ context: String) -> InputError {
        InputError(kind, path: path, byteOffset: byteOffset, record: record, description + context)
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
        if fd < 0 { throw InputError(.io, path: path, "cannot open \(path): \(String(cString: strerror(errno)))") }
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
