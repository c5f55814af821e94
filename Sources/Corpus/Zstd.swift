import CZstd

/// Errors from reading compressed input, written for the person who has to fix the file.
public struct CompressionError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// One-shot zstd decompression of a whole frame sequence (streaming: handles frames without a
/// content size and concatenated frames). O(n) in the output size.
public enum Zstd {
    public static func decompress(_ input: [UInt8], source: String = "input") throws -> [UInt8] {
        guard let stream = ZSTD_createDStream() else { throw CompressionError(description: "\(source): out of memory") }
        defer { ZSTD_freeDStream(stream) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        let chunkSize = ZSTD_DStreamOutSize()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var lastResult = 0
        try input.withUnsafeBytes { inBytes in
            var inBuffer = ZSTD_inBuffer(src: inBytes.baseAddress, size: inBytes.count, pos: 0)
            while inBuffer.pos < inBuffer.size {
                try chunk.withUnsafeMutableBytes { outBytes in
                    var outBuffer = ZSTD_outBuffer(dst: outBytes.baseAddress, size: outBytes.count, pos: 0)
                    let result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    if ZSTD_isError(result) != 0 {
                        let reason = String(cString: ZSTD_getErrorName(result))
                        throw CompressionError(description: "\(source): corrupt zstd data at compressed byte \(inBuffer.pos): \(reason)")
                    }
                    lastResult = result
                    output.append(contentsOf: outBytes[0..<outBuffer.pos])
                }
            }
        }
        if lastResult != 0 {
            throw CompressionError(description: "\(source): zstd data ends in the middle of a frame (truncated file?); re-download or recompress it")
        }
        return output
    }

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
