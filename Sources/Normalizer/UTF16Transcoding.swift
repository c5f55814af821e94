import TokenmillSupport

/// Hand-written UTF-8 ↔ UTF-16 conversion for the short spans that go through ICU.
///
/// Why not `String`: building a `String` validates, allocates and may bridge; these spans are
/// already known to be valid, and the conversions would otherwise cost as much as ICU's
/// normalization itself.
enum UTF16Transcoding {
    /// Appends the UTF-16 form of `utf8` (which must be valid UTF-8) to `output`. O(n).
    @inline(__always)
    static func appendUTF16(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt16]) {
        var i = 0
        let n = utf8.count
        while i < n {
            let b0 = UInt32(utf8[i])
            if b0 < 0x80 {
                output.append(UInt16(b0)); i += 1; continue
            }
            // Memory safety for callers that break the valid-UTF-8 contract: never read past the end.
            let (c, length) = ValidUTF8.decodeClamped(utf8, at: i)
            if c < 0x10000 {
                output.append(UInt16(c))
            } else {
                output.append(UInt16(0xD7C0 &+ (c >> 10)))
                output.append(UInt16(0xDC00 | (c & 0x3FF)))
            }
            i += length
        }
    }

    /// Appends the UTF-8 form of `utf16` (well-formed UTF-16, as ICU returns it) to `output`. O(n).
    @inline(__always)
    static func appendUTF8(_ utf16: UnsafeBufferPointer<UInt16>, to output: inout [UInt8]) {
        var i = 0
        let n = utf16.count
        while i < n {
            let u = UInt32(utf16[i])
            if u < 0x80 {
                output.append(UInt8(u)); i += 1
            } else if u < 0x800 {
                output.append(UInt8(0xC0 | u >> 6)); output.append(UInt8(0x80 | u & 0x3F)); i += 1
            } else if u & 0xFC00 == 0xD800, i + 1 < n, utf16[i + 1] & 0xFC00 == 0xDC00 {
                let c = 0x10000 + ((u - 0xD800) << 10) + (UInt32(utf16[i + 1]) - 0xDC00)
                ValidUTF8.append(c, to: &output)
                i += 2
            } else {
                // A lone surrogate cannot come out of ICU for valid input; U+FFFD keeps the
                // output valid UTF-8 whatever happens.
                ValidUTF8.append(u & 0xF800 == 0xD800 ? 0xFFFD : u, to: &output)
                i += 1
            }
        }
    }

    /// Number of code points in UTF-16 `units` (trail surrogates are not counted). O(n).
    static func scalarCount(_ units: UnsafeBufferPointer<UInt16>) -> Int {
        var count = 0
        for u in units where u & 0xFC00 != 0xDC00 { count += 1 }
        return count
    }
}
