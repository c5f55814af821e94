import CZlib
import Corpus

/// Whole-buffer gzip (or zlib) decompression through zlib, concatenated members included.
enum Gzip {
    static func decompress(_ input: [UInt8], source: String) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var offset = 0
        try input.withUnsafeBufferPointer { inBuf in
            while offset < inBuf.count {
                var stream = z_stream()
                guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                    throw InputError("\(source): cannot start gzip decompression")
                }
                defer { inflateEnd(&stream) }
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress! + offset)
                stream.avail_in = UInt32(inBuf.count - offset)
                var status: Int32 = Z_OK
                repeat {
                    try chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(out.count)
                        status = inflate(&stream, Z_NO_FLUSH)
                        if status != Z_OK && status != Z_STREAM_END {
                            throw InputError("\(source): corrupt gzip data near compressed byte \(offset + Int(stream.total_in)) (zlib status \(status))")
                        }
                        output.append(contentsOf: out[0..<(out.count - Int(stream.avail_out))])
                    }
                    if status == Z_OK && stream.avail_in == 0 {
                        throw InputError("\(source): truncated gzip data (the stream ends before its trailer)")
                    }
                } while status != Z_STREAM_END
                offset += Int(stream.total_in)
                // Skip zero padding between members.
                while offset < inBuf.count && inBuf[offset] == 0 { offset += 1 }
            }
        }
        return output
    }
}
