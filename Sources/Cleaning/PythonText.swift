import TokenmillSupport

/// Text as datatrove sees it: a Python `str`, a sequence of Unicode scalars. Every length,
/// ratio and threshold of the filters counts scalars (Python's `len`), and the character tests
/// here are Python's (`str.isspace`, `str.isalpha`, `str.splitlines`, `\d`), so that a
/// document is measured exactly as the reference measures it.
public enum PythonText {
    /// Valid UTF-8 (what the Normalizer hands over) as scalars.
    public static func scalars(_ utf8: [UInt8]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(utf8.count)
        utf8.withUnsafeBufferPointer { utf8 in
            var i = 0
            while i < utf8.count {
                // Clamped: a sequence cut short (never produced by the Normalizer) is one U+FFFD.
                let (c, length) = ValidUTF8.decodeClamped(utf8, at: i)
                out.append(c)
                i += length
            }
        }
        return out
    }

    /// Scalars back to UTF-8.
    public static func utf8<C: Collection>(_ scalars: C) -> [UInt8] where C.Element == UInt32 {
        var out: [UInt8] = []
        out.reserveCapacity(scalars.count)
        for c in scalars { ValidUTF8.append(c, to: &out) }
        return out
    }

    /// `str.isspace()` (also what `str.split()`, `str.strip()` and `re`'s `\s` use).
    @inline(__always) public static func isSpace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) }
        switch c {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `str.splitlines()` boundaries (a CR LF pair counts once, see `lines`).
    @inline(__always) static func isLineBoundary(_ c: UInt32) -> Bool {
        switch c {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `str.isalpha()`: general category L (Lu, Ll, Lt, Lm, Lo).
    @inline(__always) public static func isAlpha(_ c: UInt32) -> Bool {
        if c < 0x80 { return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
        guard let s = Unicode.Scalar(c) else { return false }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `re`'s `\d` on a `str`: general category Nd.
    @inline(__always) public static func isDecimal(_ c: UInt32) -> Bool {
        if c < 0x80 { return c >= 0x30 && c <= 0x39 }
        return Unicode.Scalar(c)?.properties.generalCategory == .decimalNumber
    }

    /// `re`'s `\w` on a `str`: letters, digits (any numeric) and the underscore.
    @inline(__always) static func isWord(_ c: UInt32) -> Bool {
        if c < 0x80 { return isAlpha(c) || (c >= 0x30 && c <= 0x39) || c == 0x5F }
        guard let s = Unicode.Scalar(c) else { return false }
        if isAlpha(c) { return true }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    @inline(__always) static func isLower(_ c: UInt32) -> Bool {
        if c < 0x80 { return c >= 0x61 && c <= 0x7A }
        return Unicode.Scalar(c)?.properties.isLowercase ?? false
    }

    @inline(__always) static func isUpper(_ c: UInt32) -> Bool {
        if c < 0x80 { return c >= 0x41 && c <= 0x5A }
        return Unicode.Scalar(c)?.properties.isUppercase ?? false
    }

    /// ASCII lowercase of one scalar (the filters' keyword tests are ASCII phrases).
    @inline(__always) static func lowerASCII(_ c: UInt32) -> UInt32 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

    /// `text[range].strip()` as a range.
    static func strip(_ text: [UInt32], _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi && isSpace(text[lo]) { lo += 1 }
        while hi > lo && isSpace(text[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// `text.splitlines()` as ranges (no trailing empty line after a final line break).
    static func lines(_ text: [UInt32]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0, i = 0
        while i < text.count {
            let c = text[i]
            if isLineBoundary(c) {
                out.append(start..<i)
                i += (c == 0x0D && i + 1 < text.count && text[i + 1] == 0x0A) ? 2 : 1
                start = i
            } else { i += 1 }
        }
        if start < text.count { out.append(start..<text.count) }
        return out
    }

    /// `text[range].split()`: the whitespace-separated pieces.
    static func fields(_ text: [UInt32], _ range: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = range.lowerBound
        while i < range.upperBound {
            while i < range.upperBound && isSpace(text[i]) { i += 1 }
            let start = i
            while i < range.upperBound && !isSpace(text[i]) { i += 1 }
            if i > start { out.append(start..<i) }
        }
        return out
    }

    /// Whether `text[range]` contains `needle` (ASCII, compared after ASCII lowercasing of the text).
    static func containsLowercased(_ text: [UInt32], _ range: Range<Int>, _ needle: [UInt32]) -> Bool {
        guard range.count >= needle.count, let first = needle.first else { return false }
        var i = range.lowerBound
        let last = range.upperBound - needle.count
        while i <= last {
            if lowerASCII(text[i]) == first {
                var k = 1
                while k < needle.count && lowerASCII(text[i + k]) == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Non-overlapping occurrences of `needle` in `text` (Python's `str.count`).
    static func count(_ text: [UInt32], _ needle: [UInt32]) -> Int {
        guard let first = needle.first, text.count >= needle.count else { return 0 }
        var n = 0, i = 0
        let last = text.count - needle.count
        while i <= last {
            if text[i] == first {
                var k = 1
                while k < needle.count && text[i + k] == needle[k] { k += 1 }
                if k == needle.count { n += 1; i += needle.count; continue }
            }
            i += 1
        }
        return n
    }

    static func ascii(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

    /// 64-bit FNV-1a of a scalar range, finished with a murmur mix: word identities for n-gram
    /// counting (a collision needs two distinct words with equal 64-bit hashes in one document).
    @inline(__always) static func hash(_ text: [UInt32], _ range: Range<Int>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in range { h = (h ^ UInt64(text[i])) &* 0x0000_0100_0000_01B3 }
        return mix(h)
    }

    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return z ^ (z >> 33)
    }
}
