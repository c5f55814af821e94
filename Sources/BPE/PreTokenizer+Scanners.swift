// Hand-written scanners for the three split patterns in use. Each function returns the end of the
// piece that the pattern's leftmost-first, backtracking match would produce at `i` (i < count).
//
// Why not a regex engine: the split is half of the encoder's time in tiktoken; a scanner that
// classifies each scalar once with a table lookup is several times faster, and the patterns are
// small enough to transcribe exactly. Each branch below names the alternative it implements.

extension UTF8Cursor {
    /// `'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s`
    @inlinable @inline(__always)
    func gpt2PieceEnd(at i: Int) -> Int {
        let contraction = contraction(at: i, caseInsensitive: false)
        if contraction > 0 { return i + contraction }
        let j = (bytes[i] == 0x20 && i + 1 < count) ? i + 1 : i
        let (flags, _) = classify(j)
        if flags & ScalarClass.letter != 0 { return skip(ScalarClass.letter, from: j) }          // ` ?\p{L}++`
        if flags & ScalarClass.number != 0 { return skip(ScalarClass.number, from: j) }          // ` ?\p{N}++`
        if flags & (ScalarClass.space | ScalarClass.letter | ScalarClass.number) == 0 {          // ` ?[^\s\p{L}\p{N}]++`
            return skipNot(ScalarClass.space | ScalarClass.letter | ScalarClass.number, from: j)
        }
        return whitespacePieceEnd(at: i)
    }

    /// `\s++$|\s+(?!\S)|\s` at a whitespace scalar.
    @inlinable @inline(__always)
    func whitespacePieceEnd(at i: Int) -> Int {
        let run = whitespaceRun(from: i)
        if run.end == count || run.lastStart == i { return run.end }
        return run.lastStart // leave the last space to prefix the next piece
    }

    /// `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
    @inlinable @inline(__always)
    func cl100kPieceEnd(at i: Int) -> Int {
        let contraction = contraction(at: i, caseInsensitive: true)
        if contraction > 0 { return i + contraction }
        let (flags, length) = classify(i)
        let b = bytes[i]
        if flags & ScalarClass.letter != 0 { return skip(ScalarClass.letter, from: i) }
        if flags & ScalarClass.number == 0 && b != 0x0A && b != 0x0D && i + length < count,
           classify(i + length).flags & ScalarClass.letter != 0 {                                 // `[^\r\n\p{L}\p{N}]?+\p{L}++`
            return skip(ScalarClass.letter, from: i + length)
        }
        if flags & ScalarClass.number != 0 { return digits(from: i) }                            // `\p{N}{1,3}+`
        if let end = punctuationPieceEnd(at: i, trailing: false) { return end }                  // ` ?[^\s\p{L}\p{N}]++[\r\n]*+`
        let run = whitespaceRun(from: i)
        if run.end == count { return run.end }                                                   // `\s++$`
        if run.afterLastNewline > 0 { return run.afterLastNewline }                              // `\s*[\r\n]`
        return run.lastStart == i ? run.end : run.lastStart                                      // `\s+(?!\S)|\s`
    }

    /// ` ?[^\s\p{L}\p{N}]+` followed by `[\r\n]*` (`trailing` false) or `[\r\n/]*` (true: o200k,
    /// where a '/' after a newline joins the piece).
    @inlinable @inline(__always)
    func punctuationPieceEnd(at i: Int, trailing: Bool) -> Int? {
        let notPunctuation = ScalarClass.space | ScalarClass.letter | ScalarClass.number
        let j = (bytes[i] == 0x20 && i + 1 < count) ? i + 1 : i
        guard classify(j).flags & notPunctuation == 0 else { return nil }
        var end = skipNot(notPunctuation, from: j)
        while end < count, bytes[end] == 0x0A || bytes[end] == 0x0D || (trailing && bytes[end] == 0x2F) { end += 1 }
        return end
    }

    /// `\p{N}{1,3}`
    @inlinable @inline(__always)
    func digits(from i: Int) -> Int {
        var j = i
        for _ in 0..<3 {
            guard j < count else { break }
            let (flags, length) = classify(j)
            if flags & ScalarClass.number == 0 { break }
            j += length
        }
        return j
    }

    /// o200k:
    /// `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
    /// `|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
    /// `|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    @inlinable @inline(__always)
    func o200kPieceEnd(at i: Int) -> Int {
        let (flags, length) = classify(i)
        let b = bytes[i]
        // The optional prefix is tried first (greedy), then without it: that second try only
        // matters when the first scalar is itself a word scalar (a mark: not \p{L} but in both
        // classes of the word alternatives).
        let prefixAllowed = flags & (ScalarClass.letter | ScalarClass.number) == 0 && b != 0x0A && b != 0x0D
        let wordFlags = ScalarClass.upperish | ScalarClass.lowerish
        if flags & wordFlags != 0 || (prefixAllowed && i + length < count) {
            if prefixAllowed, i + length < count, let end = lowerWordEnd(from: i + length) { return withContraction(end) }
            if flags & wordFlags != 0, let end = lowerWordEnd(from: i) { return withContraction(end) }
            if prefixAllowed, i + length < count, let end = upperWordEnd(from: i + length) { return withContraction(end) }
            if flags & wordFlags != 0, let end = upperWordEnd(from: i) { return withContraction(end) }
        }
        if flags & ScalarClass.number != 0 { return digits(from: i) }
        if let end = punctuationPieceEnd(at: i, trailing: true) { return end }
        let run = whitespaceRun(from: i)
        if run.afterLastNewline > 0 { return run.afterLastNewline }                              // `\s*[\r\n]+`
        if run.end == count || run.lastStart == i { return run.end }                             // `\s+(?!\S)|\s+`
        return run.lastStart
    }

    /// `U*L+` with backtracking (U = upper-ish, L = lower-ish; Lm, Lo and marks are in both).
    @inlinable @inline(__always)
    func lowerWordEnd(from s: Int) -> Int? {
        var u = s, afterLastLower = -1
        while u < count {
            let (flags, length) = classify(u)
            if flags & ScalarClass.upperish == 0 { break }
            u += length
            if flags & ScalarClass.lowerish != 0 { afterLastLower = u }
        }
        let e = skip(ScalarClass.lowerish, from: u)
        if e > u { return e }
        // `U*` gives back scalars until `L+` can match one: the last lower-ish scalar of the run.
        return afterLastLower > 0 ? afterLastLower : nil
    }

    /// `U+L*`
    @inlinable @inline(__always)
    func upperWordEnd(from s: Int) -> Int? {
        let u = skip(ScalarClass.upperish, from: s)
        if u == s { return nil }
        return skip(ScalarClass.lowerish, from: u)
    }

    @inlinable @inline(__always)
    func withContraction(_ end: Int) -> Int {
        end + contraction(at: end, caseInsensitive: true)
    }
}
