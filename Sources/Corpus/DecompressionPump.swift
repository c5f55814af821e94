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
