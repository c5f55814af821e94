import CZstd

/// A zstd frame that does not decompress to its stated size, written for the person who has to
/// fix the file. Not a public error of its own: every caller wraps it with its location before
/// it leaves (`ShardReader`: a `ShardError` with shard and block; the Parquet reader: an
/// `InputError` naming file, column and page offset), so `InputError` stays Corpus's one public
/// error type. `package`, because the shard reader (another module of this package) calls the
/// frame check.
package struct CompressionError: Error, CustomStringConvertible, Sendable {
    package let description: String
}

/// zstd through the system library: one-shot compression here, the shards' checksummed frames
/// (`compressFrame`, `decompressFrame`) in Checksum.swift. Compressed input files are read
/// through `ZstdStream` (ZstdStream.swift), which streams them.
public enum Zstd {
    /// Compresses `input` as one frame at `level` (1…19; 3 is zstd's default).
    public static func compress(_ input: [UInt8], level: Int32 = 3) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, level)
            }
        }
        precondition(ZSTD_isError(written) == 0, "zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        output.removeSubrange(written...)
        return output
    }
}
