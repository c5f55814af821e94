/// Well-formedness of UTF-8 per the Unicode Standard, Table 3-7, with ill-formed input split
/// into maximal subparts (each becomes one U+FFFD in repair mode): the one validator. `check` is
/// the per-sequence rule (the Normalizer's decoder and charset sniffing step through it),
/// `firstInvalidOffset` the whole-buffer check with an ASCII fast path (tokenizer input, the
/// Trainer, shards, the CLI), `repair` the U+FFFD replacement, and `expectation` the "expected …"
/// text of error messages, built only when an error is reported.
public enum UTF8Validation {
    public enum Result {
        /// A well-formed sequence: its scalar value and length.
        case valid(UInt32, Int)
        /// An ill-formed subsequence of `length` bytes (see `expectation(_:at:invalidLength:)`
        /// for what should have come: built only for error messages, off the hot path).
        case invalid(Int)
        /// A well-formed prefix cut off by the end of the buffer.
        case truncated
    }

    /// Checks the sequence starting at `i` (where `bytes[i] >= 0x80`). O(1).
    @inlinable @inline(__always)
    public static func check(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Result {
        let b0 = bytes[i]
        guard b0 >= 0xC2 && b0 <= 0xF4 else { return .invalid(1) }
        let length = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
        let (low, high) = secondByteRange(b0)
        var scalar = UInt32(b0) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length {
            if i + k >= bytes.count { return .truncated }
            let b = bytes[i + k]
            let ok = k == 1 ? (b >= low && b <= high) : (b & 0xC0 == 0x80)
            if !ok { return .invalid(k) }
            scalar = scalar << 6 | UInt32(b & 0x3F)
        }
        return .valid(scalar, length)
    }

    /// Byte offset of the first byte that does not start or continue a valid UTF-8 sequence (an
    /// ill-formed or truncated sequence starts there), or nil if all of `bytes` is valid. ASCII
    /// runs are skipped eight bytes at a time. O(n).
    public static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = bytes.count
        guard let p = bytes.baseAddress else { return nil }
        var i = 0
        while i < n {
            if i + 8 <= n, UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            if p[i] < 0x80 { i += 1; continue }
            guard case .valid(_, let length) = check(bytes, at: i) else { return i }
            i += length
        }
        return nil
    }

    /// `bytes` with each maximal invalid subsequence replaced by U+FFFD (the Unicode-recommended
    /// practice, as Python's `errors="replace"` and Swift's `String(decoding:)` do), and how many
    /// replacements were made.
    public static func repair(_ bytes: [UInt8]) -> (bytes: [UInt8], replacements: Int) {
        let valid = bytes.withUnsafeBufferPointer { firstInvalidOffset($0) }
        guard valid != nil else { return (bytes, 0) }
        var replacements = 0
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): UTF8.encode(scalar) { out.append($0) }
            case .error: replacements += 1; out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            case .emptyInput: break loop
            }
        }
        return (out, replacements)
    }

    /// What should have come instead of the ill-formed subsequence of `length` bytes at `i`.
    public static func expectation(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, invalidLength length: Int) -> String {
        let b0 = bytes[i]
        return b0 >= 0xC2 && b0 <= 0xF4 ? continuationExpectation(b0, position: length) : leadExpectation(b0)
    }

    /// What a truncated sequence at `i` still needed.
    public static func expectation(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> String {
        let b0 = bytes[i]
        let length = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
        return "\(length) bytes for the sequence that lead byte 0x\(hex(b0)) starts"
    }

    @usableFromInline @inline(__always)
    static func secondByteRange(_ b0: UInt8) -> (UInt8, UInt8) {
        switch b0 {
        case 0xE0: return (0xA0, 0xBF)  // lower would be overlong
        case 0xED: return (0x80, 0x9F)  // higher would encode a UTF-16 surrogate
        case 0xF0: return (0x90, 0xBF)  // lower would be overlong
        case 0xF4: return (0x80, 0x8F)  // higher would exceed U+10FFFF
        default: return (0x80, 0xBF)
        }
    }

    private static func leadExpectation(_ b0: UInt8) -> String {
        switch b0 {
        case 0x80...0xBF: return "ASCII or a lead byte (0xC2–0xF4), not a continuation byte with no lead byte before it"
        case 0xC0, 0xC1: return "ASCII or a lead byte 0xC2–0xF4 (0xC0 and 0xC1 only start overlong encodings)"
        default: return "ASCII or a lead byte 0xC2–0xF4 (0xF5–0xFF never occur in UTF-8)"
        }
    }

    private static func continuationExpectation(_ b0: UInt8, position: Int) -> String {
        if position == 1 {
            let (low, high) = secondByteRange(b0)
            if low != 0x80 || high != 0xBF {
                return "a byte 0x\(hex(low))–0x\(hex(high)) after lead byte 0x\(hex(b0))"
            }
        }
        return "a continuation byte 0x80–0xBF (byte \(position + 1) of the sequence that 0x\(hex(b0)) starts)"
    }

    private static func hex(_ b: UInt8) -> String {
        let s = String(b, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }
}
