/// Standard base64 (RFC 4648 alphabet, `=` padding), as `.tiktoken` files write token bytes.
enum Base64 {
    /// Each ASCII byte's 6-bit value; 0xFF for bytes outside the alphabet.
    static let values: [UInt8] = {
        var values = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { values[Int(c)] = UInt8(i) }
        return values
    }()

    /// Decodes `text[range]` and appends the bytes to `out`. False (and `out` possibly
    /// extended) when it is not base64: a length not a multiple of 4, a byte outside the alphabet,
    /// padding other than one or two `=` at the end, or nothing decoded. Unused low bits of the
    /// last character are ignored, as Python's `base64.b64decode` (tiktoken's) ignores them.
    /// O(length).
    static func decode(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, appendingTo out: inout [UInt8]) -> Bool {
        var length = range.count
        guard length > 0, length % 4 == 0 else { return false }
        var padding = 0
        while padding < 2 && text[range.lowerBound + length - 1 - padding] == 0x3D { padding += 1 }
        length -= padding
        return values.withUnsafeBufferPointer { values in
            var bits: UInt32 = 0, invalid: UInt8 = 0
            for i in 0..<length {
                let v = values[Int(text[range.lowerBound + i])]
                invalid |= v
                bits = bits << 6 | UInt32(v & 0x3F)
                if i & 3 == 3 {
                    out.append(UInt8(truncatingIfNeeded: bits >> 16))
                    out.append(UInt8(truncatingIfNeeded: bits >> 8))
                    out.append(UInt8(truncatingIfNeeded: bits))
                }
            }
            // 0xFF has the high bits no alphabet value has.
            guard invalid & 0xC0 == 0 else { return false }
            switch length & 3 {
            case 0: return length > 0
            case 2: out.append(UInt8(truncatingIfNeeded: bits >> 4)); return true
            case 3: out.append(UInt8(truncatingIfNeeded: bits >> 10)); out.append(UInt8(truncatingIfNeeded: bits >> 2)); return true
            default: return false
            }
        }
    }
}
