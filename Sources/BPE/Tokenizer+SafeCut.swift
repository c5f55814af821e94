/// Where a document may be cut into independently encoded pieces: places where the named split
/// patterns end a piece anyway and where the end-of-input alternatives (`\s++$`, `\s+(?!\S)`)
/// give the same pieces at the end of a part as they do inside the whole. With them, one long
/// document keeps every core busy and the ids are those of the whole (`encodeBatch`).
///
/// The rule, for a line feed at `j` followed by a character `c` that is not whitespace:
/// - **cl100k, o200k**: cut after the line feed (at `j + 1`). The whitespace run W before `c` ends
///   with the line feed, so inside the whole W is one piece (`\s*[\r\n]` backtracks to end at the
///   line feed, o200k's `\s*[\r\n]+` likewise) — or the tail of a punctuation piece, whose
///   `[\r\n]*` takes the line feeds either way — and at the end of a part W is one piece too
///   (`\s++$`, or the same alternatives). No alternative takes a line feed before `c`
///   (`[^\r\n\p{L}\p{N}]?` excludes it; ` ?` takes only a space). So CRLF text (`\r\n`) and lines
///   that start with any script's letters are cut as well as LF text starting with ASCII.
/// - **o200k** as cl100k, except before a "/": its punctuation piece ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
///   takes line feeds *and slashes* after it, so ".\n/usr" is one piece (the test found this).
/// - **gpt2**: inside the whole, `\s+(?!\S)` takes W less its last character and the line feed
///   is a piece of its own; at the end of a part, `\s++$` takes all of W. So cut after the line
///   feed only when W is the line feed alone (the character before it, ASCII or not, is not
///   whitespace), and
///   otherwise just *before* the line feed (`j`): the first part ends with W less the line feed
///   (one piece either way) and the next begins with the line feed, a piece of its own either
///   way because `c` is not whitespace.
/// No normalization form combines anything with a line feed or across it, and `c` is not a
/// whitespace character (for non-ASCII, the lead byte and what follows are checked against every
/// `\s` code point: U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F,
/// U+3000), so normalizing the parts gives the normalized whole. Checked on every fixture and
/// shared-corpus document, also made CRLF, for each pattern (`SafeCutTests`).
extension Tokenizer {
    /// Whether documents may be cut at `nextSafeCut` and encoded in parts with the ids of the
    /// whole: a named pattern, no prefix space (it applies to the start of the text only), and
    /// no special-token matching (a special token's text could span a cut).
    public func canCutDocuments(specials: SpecialTokenPolicy) -> Bool {
        (specials == .ordinary || specialTokens.isEmpty) && !addPrefixSpace && !pattern.isRegex
    }

    /// The first cut at or after `from` (nil: none before the end). A cut is returned only when
    /// the 4 bytes after everything it was decided on are inside `b`, so that a reader holding
    /// the start of a longer text may take it (`EncodeJob` streams documents in parts).
    /// O(distance scanned).
    package static func nextSafeCut(_ b: UnsafeBufferPointer<UInt8>, from: Int, pattern: SplitPattern) -> Int? {
        let n = b.count - 4
        var j = max(from - 1, 1)
        while j < n {
            if b[j] == 0x0A && startsNonSpace(b, j + 1) {
                switch pattern {
                case .cl100k:
                    if j + 1 >= from { return j + 1 }
                case .o200k:
                    // o200k's punctuation piece takes `[\r\n/]*` after it: a "/" after the line
                    // feed would join a piece that ends before the line feed ("x.\n/usr").
                    if b[j + 1] != 0x2F && j + 1 >= from { return j + 1 }
                case .gpt2:
                    let before = b[j - 1]
                    if before == 0x20 || before == 0x09 || before == 0x0D || before == 0x0A || before == 0x0B || before == 0x0C {
                        if j >= from { return j }
                    } else if endsNonSpace(b, j) {
                        if j + 1 >= from { return j + 1 }
                    }
                case .regex:
                    return nil
                }
            }
            j += 1
        }
        return nil
    }

    /// Whether the character that ends just before `k` is not whitespace (its UTF-8 sequence
    /// found by stepping back over continuation bytes). False when that is not a whole sequence.
    @inline(__always)
    static func endsNonSpace(_ b: UnsafeBufferPointer<UInt8>, _ k: Int) -> Bool {
        var p = k - 1
        while p > 0 && p > k - 4 && b[p] & 0xC0 == 0x80 { p -= 1 }
        guard p >= 0, b[p] & 0xC0 != 0x80 else { return false }
        let length = b[p] < 0x80 ? 1 : b[p] < 0xE0 ? 2 : b[p] < 0xF0 ? 3 : 4
        return p + length == k && startsNonSpace(b, p)
    }

    /// Whether the character starting at `k` is not whitespace (`\s`): ASCII `!`…`~`, or a UTF-8
    /// lead byte whose code point is not one of Unicode's spaces. False at a continuation byte.
    @inline(__always)
    static func startsNonSpace(_ b: UnsafeBufferPointer<UInt8>, _ k: Int) -> Bool {
        let c = b[k]
        if c < 0x80 { return c > 0x20 && c < 0x7F }
        func at(_ i: Int) -> UInt8 { k + i < b.count ? b[k + i] : 0 }
        switch c {
        case 0xC3...0xDF, 0xE4...0xEF, 0xF0...0xF4: return true
        case 0xC2: return at(1) != 0x85 && at(1) != 0xA0
        case 0xE1: return !(at(1) == 0x9A && at(2) == 0x80)
        case 0xE2:
            if at(1) == 0x80 { let t = at(2); return !((0x80...0x8A).contains(t) || t == 0xA8 || t == 0xA9 || t == 0xAF) }
            if at(1) == 0x81 { return at(2) != 0x9F }
            return true
        case 0xE3: return !(at(1) == 0x80 && at(2) == 0x80)
        default: return false
        }
    }
}
