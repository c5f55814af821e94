import CBzip2
import CZlib
import CZstd
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
        if fd < 0 { throw InputError("cannot open \(path): \(String(cString: strerror(errno)))") }
        handle = Handle(fd)
        self.path = path
        self.chunkSize = chunkSize
    }

    public mutating func next() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(handle.fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return nil }
            bytesRead += n
            buffer.removeSubrange(n...)
            return buffer
        }
    }
}

/// gzip (and zlib) decompression through the system zlib; concatenated members are read in turn.
public struct GzipStream: ByteStream {
    final class State {
        var z = z_stream()
        init() {}
        deinit { inflateEnd(&z) }
    }
    var input: FileStream
    let state = State()
    let source: String
    var pending: [UInt8] = []
    var inputDone = false
    var memberOpen = false
    var finished = false

    public init(_ input: FileStream, source: String) throws {
        self.input = input
        self.source = source
        // 15 + 32: a window of 32 KiB, gzip or zlib header detected automatically.
        guard inflateInit2_(&state.z, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw InputError("\(source): cannot start gzip decompression (out of memory?)")
        }
    }

    public mutating func next() throws -> [UInt8]? {
        if finished { return nil }
        var output = [UInt8](repeating: 0, count: 1 << 20)
        var produced = 0
        while produced == 0 {
            if pending.isEmpty && !inputDone {
                if let chunk = try input.next() { pending = chunk } else { inputDone = true }
            }
            if pending.isEmpty && inputDone {
                if memberOpen {
                    throw InputError("\(source): gzip data ends in the middle of a member (truncated file?); re-download it or drop it from the inputs")
                }
                finished = true
                return nil
            }
            let consumed: Int
            let status: Int32
            (consumed, status) = pending.withUnsafeMutableBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf in
                    state.z.next_in = inBuf.baseAddress
                    state.z.avail_in = UInt32(inBuf.count)
                    state.z.next_out = outBuf.baseAddress! + produced
                    state.z.avail_out = UInt32(outBuf.count - produced)
                    let before = outBuf.count - produced
                    let s = inflate(&state.z, Z_NO_FLUSH)
                    produced += before - Int(state.z.avail_out)
                    return (inBuf.count - Int(state.z.avail_in), s)
                }
            }
            pending.removeFirst(consumed)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                memberOpen = true
                if status == Z_BUF_ERROR && consumed == 0 && produced == 0 && pending.isEmpty && inputDone {
                    throw InputError("\(source): gzip data ends in the middle of a member (truncated file?); re-download it or drop it from the inputs")
                }
            case Z_STREAM_END:
                memberOpen = false
                inflateReset(&state.z)
                // Skip padding zeros some writers leave between members.
                while let first = pending.first, first == 0 { pending.removeFirst() }
            default:
                let message = state.z.msg.map { String(cString: $0) } ?? "error \(status)"
                throw InputError("\(source): corrupt gzip data after \(state.z.total_in) compressed bytes of the current member: \(message); re-download it or drop it from the inputs")
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}

/// zstd streaming decompression; concatenated frames and frames without a content size work.
public struct ZstdStream: ByteStream {
    final class State {
        let stream: OpaquePointer
        init?() { guard let s = ZSTD_createDStream() else { return nil }; stream = s }
        deinit { ZSTD_freeDStream(stream) }
    }
    var input: FileStream
    let state: State
    let source: String
    var pending: [UInt8] = []
    var pendingPos = 0
    var inputDone = false
    var lastResult = 0

    public init(_ input: FileStream, source: String) throws {
        guard let state = State() else { throw InputError("\(source): out of memory starting zstd") }
        self.input = input
        self.state = state
        self.source = source
    }

    public mutating func next() throws -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize() * 4)
        var produced = 0
        while produced == 0 {
            if pendingPos >= pending.count && !inputDone {
                if let chunk = try input.next() { pending = chunk; pendingPos = 0 } else { inputDone = true }
            }
            if pendingPos >= pending.count && inputDone {
                // Flush what the decoder still holds.
                if lastResult == 0 { return nil }
                let before = produced
                try step(&output, &produced, flushOnly: true)
                if produced == before {
                    throw InputError("\(source): zstd data ends in the middle of a frame (truncated file?); re-download it or drop it from the inputs")
                }
                continue
            }
            try step(&output, &produced, flushOnly: false)
        }
        output.removeSubrange(produced...)
        return output
    }

    private mutating func step(_ output: inout [UInt8], _ produced: inout Int, flushOnly: Bool) throws {
        let stream = state.stream
        var consumed = 0
        var result = 0
        pending.withUnsafeBytes { inBytes in
            output.withUnsafeMutableBytes { outBytes in
                var inBuffer = ZSTD_inBuffer(src: flushOnly ? nil : inBytes.baseAddress.map { $0 + pendingPos },
                                             size: flushOnly ? 0 : inBytes.count - pendingPos, pos: 0)
                var outBuffer = ZSTD_outBuffer(dst: outBytes.baseAddress! + produced, size: outBytes.count - produced, pos: 0)
                result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                consumed = inBuffer.pos
                produced += outBuffer.pos
            }
        }
        if ZSTD_isError(result) != 0 {
            throw InputError("\(source): corrupt zstd data: \(String(cString: ZSTD_getErrorName(result))); re-download it or drop it from the inputs")
        }
        pendingPos += consumed
        lastResult = result
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
    var input: FileStream
    let state = State()
    let source: String
    var pending: [UInt8] = []
    var inputDone = false
    var streamOpen = false

    public init(_ input: FileStream, source: String) throws {
        self.input = input
        self.source = source
    }

    public mutating func next() throws -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: 1 << 20)
        var produced = 0
        while produced == 0 {
            if pending.isEmpty && !inputDone {
                if let chunk = try input.next() { pending = chunk } else { inputDone = true }
            }
            if pending.isEmpty && inputDone {
                if streamOpen {
                    throw InputError("\(source): bzip2 data ends in the middle of a stream (truncated file?); re-download it or drop it from the inputs")
                }
                return nil
            }
            if !state.open {
                guard BZ2_bzDecompressInit(&state.z, 0, 0) == BZ_OK else { throw InputError("\(source): cannot start bzip2 decompression") }
                state.open = true
                streamOpen = true
            }
            var status: Int32 = 0
            var consumed = 0
            pending.withUnsafeMutableBytes { inBytes in
                output.withUnsafeMutableBytes { outBytes in
                    state.z.next_in = inBytes.baseAddress!.assumingMemoryBound(to: CChar.self)
                    state.z.avail_in = UInt32(inBytes.count)
                    state.z.next_out = (outBytes.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
                    state.z.avail_out = UInt32(outBytes.count - produced)
                    let before = outBytes.count - produced
                    status = BZ2_bzDecompress(&state.z)
                    produced += before - Int(state.z.avail_out)
                    consumed = inBytes.count - Int(state.z.avail_in)
                }
            }
            pending.removeFirst(consumed)
            if status == BZ_STREAM_END {
                BZ2_bzDecompressEnd(&state.z)
                state.open = false
                streamOpen = false
            } else if status != BZ_OK {
                throw InputError("\(source): corrupt bzip2 data (libbz2 status \(status)); re-download it or drop it from the inputs")
            }
        }
        output.removeSubrange(produced...)
        return output
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

extension InputFile {
    /// A whole (decompressed) file through `openByteStream`: `.gz`, `.zst` and `.bz2` undone.
    public static func readDecompressed(_ path: String) throws -> [UInt8] {
        var stream = try openByteStream(path)
        var result: [UInt8] = []
        while let chunk = try stream.next() { result.append(contentsOf: chunk) }
        return result
    }
}
