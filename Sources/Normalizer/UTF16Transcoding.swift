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
            if i + sequenceLength(b0) > n { output.append(0xFFFD); break }
            if b0 < 0xE0 {
                output.append(UInt16((b0 & 0x1F) << 6 | UInt32(utf8[i + 1] & 0x3F))); i += 2
            } else if b0 < 0xF0 {
                let c = (b0 & 0x0F) << 12 | UInt32(utf8[i + 1] & 0x3F) << 6 | UInt32(utf8[i + 2] & 0x3F)
                output.append(UInt16(c)); i += 3
            } else {
                let c = (b0 & 0x07) << 18 | UInt32(utf8[i + 1] & 0x3F) << 12
                    | UInt32(utf8[i + 2] & 0x3F) << 6 | UInt32(utf8[i + 3] & 0x3F)
                output.append(UInt16(0xD7C0 &+ (c >> 10)))
                output.append(UInt16(0xDC00 | (c & 0x3FF)))
                i += 4
            }
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
                appendScalar(c, to: &output)
                i += 2
            } else {
                // A lone surrogate cannot come out of ICU for valid input; U+FFFD keeps the
                // output valid UTF-8 whatever happens.
                appendScalar(u & 0xF800 == 0xD800 ? 0xFFFD : u, to: &output)
                i += 1
            }
        }
    }

    /// Appends one scalar value as UTF-8. O(1).
    @inline(__always)
    static func appendScalar(_ c: UInt32, to output: inout [UInt8]) {
        if c < 0x80 {
            output.append(UInt8(c))
        } else if c < 0x800 {
            output.append(UInt8(0xC0 | c >> 6)); output.append(UInt8(0x80 | c & 0x3F))
        } else if c < 0x10000 {
            output.append(UInt8(0xE0 | c >> 12)); output.append(UInt8(0x80 | (c >> 6) & 0x3F))
            output.append(UInt8(0x80 | c & 0x3F))
        } else {
            output.append(UInt8(0xF0 | c >> 18)); output.append(UInt8(0x80 | (c >> 12) & 0x3F))
            output.append(UInt8(0x80 | (c >> 6) & 0x3F)); output.append(UInt8(0x80 | c & 0x3F))
        }
    }

    /// Decodes the scalar starting at `i` of valid UTF-8 and its length in bytes. O(1).
    @inline(__always)
    static func decode(_ utf8: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
        let b0 = UInt32(utf8[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(utf8[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(utf8[i + 1] & 0x3F) << 6 | UInt32(utf8[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(utf8[i + 1] & 0x3F) << 12
                | UInt32(utf8[i + 2] & 0x3F) << 6 | UInt32(utf8[i + 3] & 0x3F), 4)
    }

    /// Length of the sequence a lead byte announces (continuation bytes count as 2: callers
    /// with valid input never see them here). O(1).
    @inline(__always)
    static func sequenceLength(_ b0: UInt32) -> Int {
        b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
    }

    /// `decode`, but a sequence cut off by the end of `utf8` decodes as U+FFFD covering the
    /// remaining bytes, so text that breaks the valid-UTF-8 contract cannot make it read out of
    /// bounds. O(1).
    @inline(__always)
    static func decodeClamped(_ utf8: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
        let length = sequenceLength(UInt32(utf8[i]))
        if i &+ length > utf8.count { return (0xFFFD, utf8.count &- i) }
        return decode(utf8, at: i)
    }

    /// Number of code points in UTF-16 `units` (trail surrogates are not counted). O(n).
    static func scalarCount(_ units: UnsafeBufferPointer<UInt16>) -> Int {
        var count = 0
        for u in units where u & 0xFC00 != 0xDC00 { count += 1 }
        return count
    }
}
