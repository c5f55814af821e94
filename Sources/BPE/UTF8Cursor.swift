import TokenmillSupport

/// Reads scalars out of valid UTF-8 for the pre-tokenizer scanners.
///
/// The scanners work on byte offsets so that the pieces they produce are byte ranges of the input
/// (the BPE works on bytes), and they only ever see valid UTF-8: the tokenizer checks or repairs it
/// first.
@usableFromInline
struct UTF8Cursor {
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline let table: UnsafePointer<UInt8>

    @inlinable init(bytes: UnsafeBufferPointer<UInt8>, table: UnsafePointer<UInt8>) {
        self.bytes = bytes
        self.table = table
    }

    @inlinable var count: Int { bytes.count }

    /// The class flags of the scalar starting at `i` and its length in bytes.
    @inlinable @inline(__always)
    func classify(_ i: Int) -> (flags: UInt8, length: Int) {
        let b0 = bytes[i]
        if b0 < 0x80 { return (table[Int(b0)], 1) }
        let (scalar, length) = decode(i)
        return (table[Int(scalar)], length)
    }

    @inlinable @inline(__always)
    func decode(_ i: Int) -> (scalar: UInt32, length: Int) {
        ValidUTF8.decode(bytes, at: i)
    }

    /// The end of the run of scalars, from `i`, whose flags intersect `mask`.
    @inlinable @inline(__always)
    func skip(_ mask: UInt8, from i: Int) -> Int {
        var j = i
        while j < bytes.count {
            let (flags, length) = classify(j)
            if flags & mask == 0 { break }
            j += length
        }
        return j
    }

    /// The end of the run of scalars, from `i`, whose flags have no bit of `mask`.
    @inlinable @inline(__always)
    func skipNot(_ mask: UInt8, from i: Int) -> Int {
        var j = i
        while j < bytes.count {
            let (flags, length) = classify(j)
            if flags & mask != 0 { break }
            j += length
        }
        return j
    }

    /// Whitespace run from `i` (which is whitespace): its end, the start of its last scalar, the
    /// end of its last CR or LF (or -1), and whether it has two or more scalars.
    @inlinable @inline(__always)
    func whitespaceRun(from i: Int) -> (end: Int, lastStart: Int, afterLastNewline: Int) {
        var j = i, lastStart = i, afterNewline = -1
        while j < bytes.count {
            let b = bytes[j]
            let (flags, length) = classify(j)
            if flags & ScalarClass.space == 0 { break }
            if b == 0x0A || b == 0x0D { afterNewline = j + 1 }
            lastStart = j
            j += length
        }
        return (j, lastStart, afterNewline)
    }

    /// Length of a contraction (`'s 't 're 've 'm 'll 'd`) at `i`, or 0. With `caseInsensitive`
    /// the letters match as the regex `(?i:…)` does, including U+017F LONG S for s.
    @inlinable @inline(__always)
    func contraction(at i: Int, caseInsensitive: Bool) -> Int {
        guard i + 1 < bytes.count, bytes[i] == 0x27 else { return 0 }
        var c1 = bytes[i + 1]
        if caseInsensitive {
            if c1 == 0xC5, i + 2 < bytes.count, bytes[i + 2] == 0xBF { return 3 } // 'ſ
            c1 |= (c1 &- 0x41 < 26) ? 0x20 : 0
        }
        switch c1 {
        case 0x73, 0x74, 0x6D, 0x64: return 2 // s t m d
        case 0x72, 0x76, 0x6C: // r v l
            guard i + 2 < bytes.count else { return 0 }
            var c2 = bytes[i + 2]
            if caseInsensitive { c2 |= (c2 &- 0x41 < 26) ? 0x20 : 0 }
            if (c1 == 0x72 || c1 == 0x76) && c2 == 0x65 { return 3 } // re ve
            if c1 == 0x6C && c2 == 0x6C { return 3 } // ll
            return 0
        default: return 0
        }
    }
}
