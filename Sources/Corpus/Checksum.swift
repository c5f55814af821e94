import CZlib
import CZstd

/// CRC-32 (IEEE 802.3, zlib's and Python's `zlib.crc32`) through the system zlib.
public enum CRC32 {
    public static func of(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return seed }
        var crc = UInt(seed)
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 30)
            crc = crc32(crc, base.assumingMemoryBound(to: UInt8.self) + offset, UInt32(n))
            offset += n
        }
        return UInt32(crc)
    }
    public static func of(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 { bytes.withUnsafeBytes { of($0, seed: seed) } }
}

extension Zstd {
    /// Compresses raw bytes as one zstd frame that carries its content size and zstd's own
    /// content checksum (XXH64), so a decoder detects damage even without an outer checksum.
    public static func compressFrame(_ input: UnsafeRawBufferPointer, level: Int32 = 3) -> [UInt8] {
        guard let cctx = ZSTD_createCCtx() else { preconditionFailure("zstd: out of memory") }
        defer { ZSTD_freeCCtx(cctx) }
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let written = output.withUnsafeMutableBytes { dst in
            ZSTD_compress2(cctx, dst.baseAddress, dst.count, input.baseAddress, input.count)
        }
        precondition(ZSTD_isError(written) == 0, "zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses one frame whose content size is `expectedSize`; throws on any mismatch.
    public static func decompressFrame(_ input: UnsafeRawBufferPointer, expectedSize: Int, source: String) throws -> [UInt8] {
        // Uninitialized: zero-filling the output first cost 9% of reading a zstd Parquet file
        // (perf, 350 MB of text); zstd writes every byte it reports, and a short frame throws.
        try [UInt8](unsafeUninitializedCapacity: expectedSize) { buffer, count in
            try decompressFrame(input, into: UnsafeMutableRawBufferPointer(buffer), source: source)
            count = expectedSize
        }
    }

    /// Decompresses one frame into `output`, whose size must be the frame's content size exactly.
    /// For many frames in a row, `ZstdDecoder` keeps one decompression context instead.
    public static func decompressFrame(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, source: String) throws {
        try checkFrame(ZSTD_decompress(output.baseAddress, output.count, input.baseAddress, input.count), output.count, source: source)
    }

    /// The one check of a one-shot decompression's result (`ZstdDecoder` shares it).
    static func checkFrame(_ n: Int, _ expected: Int, source: String) throws {
        if ZSTD_isError(n) != 0 {
            throw CompressionError(description: "\(source): corrupt zstd block: \(String(cString: ZSTD_getErrorName(n)))")
        }
        guard n == expected else {
            throw CompressionError(description: "\(source): block decompresses to \(n) bytes, the index says \(expected)")
        }
    }
}

/// One zstd decompression context reused for many frames (the pages of a Parquet file).
/// `ZSTD_decompress` creates and frees a context (~100 KB of tables) per call, which a reader of
/// hundreds of 1 MiB pages pays every time. Not thread-safe: one decoder per reader.
public final class ZstdDecoder {
    let context: OpaquePointer

    public init() {
        guard let context = ZSTD_createDCtx() else { preconditionFailure("zstd: out of memory for a decompression context") }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    /// `Zstd.decompressFrame(_:into:source:)` through this context: same checks, same messages.
    public func decompressFrame(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, source: String) throws {
        try Zstd.checkFrame(ZSTD_decompressDCtx(context, output.baseAddress, output.count, input.baseAddress, input.count), output.count, source: source)
    }
}
