/// Where a document may be cut into independently encoded parts whose ids, put together, are
/// the ids of the whole. With such cuts one long document keeps every core busy (`encodeBatch`,
/// and `EncodeJob` in Pipeline, which streams a document larger than memory in parts).
///
/// **Why a cut is safe (all three named patterns).** The pre-tokenizer matches pieces left to
/// right, each the leftmost-first match of the alternatives at the end of the previous one, and
/// no alternative looks behind. Cutting at `k` gives the whole's ids when
/// (a) the whole has a piece boundary at `k`, and
/// (b) every match attempt that starts before `k` decides the same when the text ends at `k`:
///     an attempt can tell the two apart only by reading position `k`, so it is enough that no
///     alternative that has consumed `b[k-1]` (and what the rule says precedes it) behaves
///     differently on seeing `b[k]` than on seeing the end of the text.
/// Then the parts before `k` give the whole's pieces up to `k` (by (b)), and the part from `k`
/// gives the rest, because matching from `k` reads the same characters in both (no lookbehind).
/// The BPE merge works inside a piece; normalization (NFC/NFKC) never composes a character with
/// a following space or line feed nor reorders marks across them (both are starters that
/// compose with nothing), so parts normalized alone give the normalized whole.
///
/// The patterns, exactly as tiktoken 0.14 writes them (`SplitPattern.source`; the scanners of
/// `PreTokenizer+Scanners.swift` implement them):
/// - gpt2:   `'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s`
/// - cl100k: `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
/// - o200k:  two letter alternatives `[^\r\n\p{L}\p{N}]?` + cased runs of letters and marks +
///           `(?i:'s|'t|'re|'ve|'m|'ll|'d)?`, then `\p{N}{1,3}`, ` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
///           `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`
///
/// **Rule 1, every pattern: before a space (`k`) that follows a non-space character.** Which
/// alternatives can consume a non-space character and then read on? Letter runs (stop at a
/// non-letter), digit runs (stop at a non-digit; cl100k/o200k's groups of three count from the
/// run's start, not its end), punctuation runs (stop at whitespace) and their tails `[\r\n]*`
/// / `[\r\n/]*`, o200k's optional contraction after letters (needs `'`), and the fixed
/// contractions. A space stops each of them exactly where the end of the text does, so (b)
/// holds, and the piece holding `b[k-1]` ends at `k`: (a). The whitespace alternatives start at
/// whitespace, so none of them holds `b[k-1]`. This is what finds cuts in long lines, in CRLF text
/// and in every script that separates words with spaces (Latin, Cyrillic, Greek, Arabic,
/// Devanagari, Vietnamese…).
///
/// **Rule 2, gpt2: before a line feed (`k`) that follows a non-space character.** As rule 1: no
/// gpt2 alternative takes a non-space character and then whitespace.
///
/// **Rule 3, gpt2: before a line feed at `k` that follows whitespace W and precedes a non-space
/// character `c`.** Inside the whole, at W's start `\s++$` takes W, the line feed and fails at
/// `c` (possessive: no backing off), and `\s+(?!\S)` backs off from `c` to end just before the
/// line feed (which is not `\S`); in the part, `\s++$` takes W whole: the same piece, (a) and
/// (b). The line feed then starts the next part and the next piece.
///
/// **Rule 4, cl100k and o200k: after a line feed at `j` (`k = j + 1`) when the spaces and tabs
/// after it (possibly none) end at a non-space character `c`, and for o200k, `c` is not a "/"
/// right after the line feed.** Let W be the whitespace run that ends with this line feed. A piece
/// starting inside W is a whitespace piece (the letter and punctuation alternatives need a
/// non-space character inside W, and none takes a line feed as its optional first character).
/// In the whole, cl100k's `\s++$` runs to `c` and fails; `\s*[\r\n]` (o200k `\s*[\r\n]+`)
/// runs to `c` and backs off to the last `\r`/`\n`, which is `j` because the spaces and tabs
/// after it hold none: the piece ends at `k`. In the part, `\s++$` (o200k: `\s*[\r\n]+`,
/// backing off one) ends at `k` too. A punctuation piece that reaches the line feed takes
/// `[\r\n]*+` (o200k `[\r\n/]*`) and stops at `k` in both, because a space, a tab or `c`
/// follows, none of them `\r`, `\n` (nor, for o200k, "/"). So (a) and (b). The "/" exception
/// was found by `SafeCutTests` on man pages (".\n/usr" is one o200k piece).
///
/// Whitespace is Unicode's (`startsNonSpace`: ASCII `!`…`~`, or a lead byte whose code point
/// is not one of U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F,
/// U+3000). Checked on every fixture and shared-corpus document, also made CRLF, for each
/// pattern, with parts of 512 bytes so that nearly every cut is used (`SafeCutTests`).
extension Tokenizer {
    /// Whether documents may be cut at `nextSafeCut` and encoded in parts with the ids of the
    /// whole: a named pattern, no prefix space (it applies to the start of the text only), and
    /// no special-token matching (a special token's text could span a cut).
    public func canCutDocuments(specials: SpecialTokenPolicy) -> Bool {
        (specials == .ordinary || specialTokens.isEmpty) && !addPrefixSpace && !pattern.isRegex
    }

    /// The first cut at or after `from` (nil: none before the end, or the pattern is a regex).
    /// A cut is returned only when the 4 bytes after everything it was decided on are inside
    /// `b`, so that a reader holding the start of a longer text may take it: the ids are those
    /// of the whole text, whatever follows. O(distance scanned).
    package static func nextSafeCut(_ b: UnsafeBufferPointer<UInt8>, from: Int, pattern: SplitPattern) -> Int? {
        if case .regex = pattern { return nil }
        let n = b.count - 4
        var j = max(from - 1, 1)
        while j < n {
            let c = b[j]
            if c == 0x20 {
                // Rule 1: before a space that follows a non-space character.
                if j >= from && endsNonSpace(b, j) { return j }
            } else if c == 0x0A {
                switch pattern {
                case .gpt2:
                    // Rule 2: before the line feed, after a non-space character.
                    if j >= from && endsNonSpace(b, j) { return j }
                    // Rule 3: before the line feed, after whitespace, before a non-space character.
                    let before = b[j - 1]
                    if j >= from && (before == 0x20 || before == 0x09 || before == 0x0D || before == 0x0A || before == 0x0B || before == 0x0C)
                        && startsNonSpace(b, j + 1) { return j }
                case .cl100k, .o200k:
                    // Rule 4: after the line feed, when the spaces and tabs after it (if any) end at a
                    // non-space character — for o200k not at a "/" right after the line feed.
                    var k = j + 1
                    while k < n && (b[k] == 0x20 || b[k] == 0x09) { k += 1 }
                    if j + 1 >= from && k < n && startsNonSpace(b, k) && !(pattern == .o200k && k == j + 1 && b[k] == 0x2F) {
                        return j + 1
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
