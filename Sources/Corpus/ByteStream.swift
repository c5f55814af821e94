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
