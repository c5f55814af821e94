/// Scalars out of UTF-8 that is already known to be valid, and scalars back into UTF-8: the one
/// decoder and encoder (the pre-tokenizer's scanners, the Normalizer's spans and its UTF-16
/// transcoding, the cleaning filters' Python-style text). Checking UTF-8 is `UTF8Validation`'s
/// job; these trust their input, except `decodeClamped`, which never reads past the end.
///
/// Why one owner: three modules each had their own copy of these shifts and masks (noted in the
/// session notes of 2026-12-02); a fix or a faster form now lands everywhere at once. Everything
/// is `@inlinable`: the scanners call `decode` once per non-ASCII scalar of every document.
public enum ValidUTF8 {
    /// The length of the sequence that lead byte `b0` starts (a continuation byte counts as 2:
    /// valid input never has one there). O(1).
    @inlinable @inline(__always)
    public static func sequenceLength(lead b0: UInt8) -> Int {
        b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
    }

    /// The scalar starting at `i` of valid UTF-8 and its length in bytes. O(1).
    @inlinable @inline(__always)
    public static func decode(_ utf8: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
        let b0 = UInt32(utf8[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(utf8[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(utf8[i + 1] & 0x3F) << 6 | UInt32(utf8[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(utf8[i + 1] & 0x3F) << 12
                | UInt32(utf8[i + 2] & 0x3F) << 6 | UInt32(utf8[i + 3] & 0x3F), 4)
    }

    /// `decode`, but a sequence cut off by the end of `utf8` decodes as U+FFFD covering the
    /// remaining bytes, so text that breaks the valid-UTF-8 contract cannot make a caller read
    /// out of bounds. O(1).
    @inlinable @inline(__always)
    public static func decodeClamped(_ utf8: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
        if i &+ sequenceLength(lead: utf8[i]) > utf8.count { return (0xFFFD, utf8.count &- i) }
        return decode(utf8, at: i)
    }

    /// Appends scalar value `c` (below 0x110000, not a surrogate) as UTF-8. O(1).
    @inlinable @inline(__always)
    public static func append(_ c: UInt32, to output: inout [UInt8]) {
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
}
