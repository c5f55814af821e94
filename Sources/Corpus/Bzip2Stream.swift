import CBzip2

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
