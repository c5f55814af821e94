/// Parquet's RLE / bit-packing hybrid encoding (parquet-format Encodings.md, "Run Length
/// Encoding / Bit-Packing Hybrid"), used for definition levels and dictionary indices. The data
/// is a sequence of runs, each led by a ULEB128 varint header: an even header is a repeated run
/// of `header >> 1` copies of one value stored little-endian in ceil(bitWidth / 8) bytes; an odd
/// header is `header >> 1` groups of 8 values bit-packed least-significant bit first,
/// `bitWidth` bytes per group.
enum RLEHybridDecoder {
    struct DecodeError: Error, CustomStringConvertible { let description: String }

    /// Decodes exactly `count` values of `bitWidth` bits (0…32) from `data`. A last bit-packed
    /// group may be padded beyond `count` (writers pad to 8 values); data that ends before
    /// `count` values, or a value above `limit`, throws.
    static func decode(_ data: UnsafeRawBufferPointer, bitWidth: Int, count: Int, limit: UInt32 = .max) throws -> [UInt32] {
        guard (0...32).contains(bitWidth) else { throw DecodeError(description: "bit width \(bitWidth) is outside 0…32") }
        var out = [UInt32]()
        // Not `count`, which a corrupt header may make huge: bit-packed data gives at most 8
        // values a byte, and repeated runs grow the array as they are found.
        out.reserveCapacity(min(count, data.count &* 8 &+ 8))
        var p = 0
        let byteWidth = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (1 << UInt64(bitWidth)) - 1
        while out.count < count {
            var header: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard p < data.count else {
                    throw DecodeError(description: "the RLE/bit-packed data ends after \(out.count) of \(count) values")
                }
                let b = data[p]
                p += 1
                header |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
                if shift > 35 { throw DecodeError(description: "an RLE run header longer than 5 bytes") }
            }
            if header & 1 == 0 {
                let run = Int(header >> 1)
                guard data.count - p >= byteWidth else { throw DecodeError(description: "an RLE run's value runs past the end of the data") }
                var value: UInt32 = 0
                for k in 0..<byteWidth { value |= UInt32(data[p + k]) << (8 * UInt32(k)) }
                p += byteWidth
                guard value <= limit else { throw DecodeError(description: "RLE value \(value) exceeds the maximum \(limit)") }
                let n = min(run, count - out.count)
                out.append(contentsOf: repeatElement(value, count: n))
            } else {
                let groups = Int(header >> 1)
                let total = groups * 8
                let available = min(groups * bitWidth, data.count - p)
                guard available >= 0 else { throw DecodeError(description: "a bit-packed run runs past the end of the data") }
                let n = min(total, count - out.count)
                // Values needed from this run must be inside the data (the padding need not be).
                guard (n * bitWidth + 7) / 8 <= available else {
                    throw DecodeError(description: "a bit-packed run of \(groups) groups runs past the end of the data")
                }
                var bitPosition = 0
                for _ in 0..<n {
                    let byteIndex = bitPosition >> 3
                    var word: UInt64 = 0
                    // Up to 5 bytes hold a value of at most 32 bits starting at any bit offset.
                    for k in 0..<min(5, available - byteIndex) { word |= UInt64(data[p + byteIndex + k]) << (8 * UInt64(k)) }
                    let value = UInt32((word >> UInt64(bitPosition & 7)) & mask)
                    guard value <= limit else { throw DecodeError(description: "bit-packed value \(value) exceeds the maximum \(limit)") }
                    out.append(value)
                    bitPosition += bitWidth
                }
                p += available
            }
        }
        return out
    }
}
