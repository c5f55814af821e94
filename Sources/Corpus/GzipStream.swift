import CZlib

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
