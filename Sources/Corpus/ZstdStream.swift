import CZstd

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
