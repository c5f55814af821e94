import CBzip2
import CZlib
import CZstd
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// A source of bytes read in chunks, so that a reader holds O(chunk) of a file at a time.
/// `next()` returns nil at the end; a damaged compressed file throws `InputError` naming it.
public protocol ByteStream {
    mutating func next() throws -> [UInt8]?
}

/// Opens `path` ("-" for standard input) and undoes its compression, chosen by the name's last
/// extension: `.gz` (gzip, multi-member), `.zst` (zstd, multi-frame), `.bz2` (bzip2, multi-stream).
public func openByteStream(_ path: String, chunkSize: Int = 1 << 20) throws -> any ByteStream {
    let file = try FileStream(path: path, chunkSize: chunkSize)
    if path.hasSuffix(".gz") { return try GzipStream(file, source: path) }
    if path.hasSuffix(".zst") { return try ZstdStream(file, source: path) }
    if path.hasSuffix(".bz2") { return try Bzip2Stream(file, source: path) }
    return file
}

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

/// The refill-and-drain loop the streaming decompressors share: compressed input comes from a
/// `FileStream` in its chunks, decompressed output leaves in chunks of at most `capacity` bytes,
/// and the codec decodes one step at a time. At the end of the input a codec still inside a
/// member or frame gets one more step with no input (it may hold decoded bytes that did not fit
/// the last output); if that yields nothing, the file was cut short.
struct DecompressionPump {
    var input: FileStream
    var pending: [UInt8] = []
    var position = 0
    var inputDone = false

    init(_ input: FileStream) { self.input = input }

    /// `step(input, output)` decodes from `input` into `output` and returns (consumed, produced);
    /// `midStream()` tells whether the codec is inside a member or frame; `truncated` is the
    /// error for input that ends there. Returns nil at a clean end.
    mutating func next(capacity: Int, midStream: () -> Bool, truncated: @autoclosure () -> InputError,
                       step: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws -> (consumed: Int, produced: Int)) throws -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        while produced == 0 {
            if position == pending.count && !inputDone {
                if let chunk = try input.next() { pending = chunk; position = 0 } else { inputDone = true }
            }
            let atEnd = position == pending.count && inputDone
            if atEnd && !midStream() { return nil }
            let (consumed, made) = try pending.withUnsafeBytes { i in
                try output.withUnsafeMutableBytes { o in
                    try step(UnsafeRawBufferPointer(rebasing: i[position...]), UnsafeMutableRawBufferPointer(rebasing: o[produced...]))
                }
            }
            position += consumed
            produced += made
            if atEnd && made == 0 { throw truncated() }
        }
        output.removeSubrange(produced...)
        return output
    }
}

/// gzip (and zlib) decompression through the system zlib; concatenated members are read in turn.
public struct GzipStream: ByteStream {
    final class State {
        var z = z_stream()
        var memberOpen = false
        init() {}
        deinit { inflateEnd(&z) }
    }
    var pump: DecompressionPump
    let state = State()
    let source: String

    public init(_ input: FileStream, source: String) throws {
        pump = DecompressionPump(input)
        self.source = source
        // 15 + 32: a window of 32 KiB, gzip or zlib header detected automatically.
        guard inflateInit2_(&state.z, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw InputError(.io, path: source, "\(source): cannot start gzip decompression (out of memory?)")
        }
    }

    public mutating func next() throws -> [UInt8]? {
        let state = self.state, source = self.source
        return try pump.next(capacity: 1 << 20, midStream: { state.memberOpen },
                             truncated: InputError(.truncated, path: source, "\(source): gzip data ends in the middle of a member (truncated file?); re-download it or drop it from the inputs")) { inp, out in
            state.z.next_in = UnsafeMutablePointer(mutating: inp.baseAddress?.assumingMemoryBound(to: Bytef.self))
            state.z.avail_in = UInt32(inp.count)
            state.z.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            state.z.avail_out = UInt32(out.count)
            let status = inflate(&state.z, Z_NO_FLUSH)
            var consumed = inp.count - Int(state.z.avail_in)
            let produced = out.count - Int(state.z.avail_out)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                state.memberOpen = true
            case Z_STREAM_END:
                state.memberOpen = false
                inflateReset(&state.z)
                // Skip padding zeros some writers leave between members.
                while consumed < inp.count && inp[consumed] == 0 { consumed += 1 }
            default:
                let message = state.z.msg.map { String(cString: $0) } ?? "error \(status)"
                throw InputError(.malformed, path: source, "\(source): corrupt gzip data after \(state.z.total_in) compressed bytes of the current member: \(message); re-download it or drop it from the inputs")
            }
            return (consumed, produced)
        }
    }
}

/// zstd streaming decompression; concatenated frames and frames without a content size work.
public struct ZstdStream: ByteStream {
    final class State {
        let stream: OpaquePointer
        /// ZSTD_decompressStream's last result: 0 exactly when a frame has just been completed.
        var lastResult = 0
        init?() { guard let s = ZSTD_createDStream() else { return nil }; stream = s }
        deinit { ZSTD_freeDStream(stream) }
    }
    var pump: DecompressionPump
    let state: State
    let source: String

    public init(_ input: FileStream, source: String) throws {
        guard let state = State() else { throw InputError(.io, path: source, "\(source): out of memory starting zstd") }
        pump = DecompressionPump(input)
        self.state = state
        self.source = source
    }

    public mutating func next() throws -> [UInt8]? {
        let state = self.state, source = self.source
        return try pump.next(capacity: ZSTD_DStreamOutSize() * 4, midStream: { state.lastResult != 0 },
                             truncated: InputError(.truncated, path: source, "\(source): zstd data ends in the middle of a frame (truncated file?); re-download it or drop it from the inputs")) { inp, out in
            var inBuffer = ZSTD_inBuffer(src: inp.baseAddress, size: inp.count, pos: 0)
            var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
            let result = ZSTD_decompressStream(state.stream, &outBuffer, &inBuffer)
            if ZSTD_isError(result) != 0 {
                throw InputError(.malformed, path: source, "\(source): corrupt zstd data: \(String(cString: ZSTD_getErrorName(result))); re-download it or drop it from the inputs")
            }
            state.lastResult = result
            return (inBuffer.pos, outBuffer.pos)
        }
    }
}

/// bzip2 decompression through the system libbz2; concatenated streams (pbzip2, Wikipedia's
/// multistream dumps) are read in turn.
public struct Bzip2Stream: ByteStream {
    final class State {
        var z = bz_stream()
        var open = false
        deinit { if open { BZ2_bzDecompressEnd(&z) } }
    }
    var pump: DecompressionPump
    let state = State()
    let source: String

    public init(_ input: FileStream, source: String) throws {
        pump = DecompressionPump(input)
        self.source = source
    }

    public mutating func next() throws -> [UInt8]? {
        let state = self.state, source = self.source
        return try pump.next(capacity: 1 << 20, midStream: { state.open },
                             truncated: InputError(.truncated, path: source, "\(source): bzip2 data ends in the middle of a stream (truncated file?); re-download it or drop it from the inputs")) { inp, out in
            if !state.open {
                guard BZ2_bzDecompressInit(&state.z, 0, 0) == BZ_OK else { throw InputError(.io, path: source, "\(source): cannot start bzip2 decompression") }
                state.open = true
            }
            state.z.next_in = UnsafeMutablePointer(mutating: inp.baseAddress?.assumingMemoryBound(to: CChar.self))
            state.z.avail_in = UInt32(inp.count)
            state.z.next_out = out.baseAddress!.assumingMemoryBound(to: CChar.self)
            state.z.avail_out = UInt32(out.count)
            let status = BZ2_bzDecompress(&state.z)
            if status == BZ_STREAM_END {
                BZ2_bzDecompressEnd(&state.z)
                state.open = false
            } else if status != BZ_OK {
                throw InputError(.malformed, path: source, "\(source): corrupt bzip2 data (libbz2 status \(status)); re-download it or drop it from the inputs")
            }
            return (inp.count - Int(state.z.avail_in), out.count - Int(state.z.avail_out))
        }
    }
}

/// Splits a byte stream into lines (without the line feed; a trailing CR is kept for the
/// normalizer to handle). Memory: the longest line plus one chunk. Time: O(n) — each byte is
/// searched once, however long the line (a 1 GB line without a line feed is 1 GB of scanning,
/// not one rescan of the growing line per chunk).
public struct LineReader {
    var stream: any ByteStream
    var buffer: [UInt8] = []
    var position = 0
    var scanned = 0  // buffer[position..<scanned] holds no line feed
    var done = false
    public private(set) var lineNumber = 0

    public init(_ stream: any ByteStream) { self.stream = stream }

    public mutating func next() throws -> [UInt8]? {
        while true {
            if let newline = buffer[max(position, scanned)...].firstIndex(of: 0x0A) {
                let line = Array(buffer[position..<newline])
                position = newline + 1
                scanned = position
                lineNumber += 1
                return line
            }
            scanned = buffer.count
            if done {
                if position < buffer.count {
                    let line = Array(buffer[position...])
                    position = buffer.count
                    lineNumber += 1
                    return line
                }
                return nil
            }
            if position > 0 { buffer.removeFirst(position); scanned -= position; position = 0 }
            if let chunk = try stream.next() { buffer.append(contentsOf: chunk) } else { done = true }
        }
    }
}
