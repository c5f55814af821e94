/// Words and sentences as datatrove's English `split_into_words` / `split_into_sentences` find
/// them: spaCy's blank English tokenizer and its sentencizer (datatrove ≥ 0.4 uses spaCy for
/// English), re-implemented as one scan per whitespace-separated chunk.
///
/// As spaCy: the special cases (`don't` → `do` `n't`, `e.g.`, `Mr.`; spaCy's own table, in
/// `ReferenceTables`) are exact; prefixes (opening punctuation, quotes, currency, symbols) and
/// suffixes (closing punctuation, quotes, `'s`, a unit or currency after a digit, a period
/// after a lowercase letter, digit, punctuation or two capitals) are split off repeatedly;
/// inside what is left, `..`, `…`, symbols, a comma between letters, a hyphen or `:<>=/` after a
/// letter or digit and before a letter, an
/// arithmetic sign between digits and a period between a lowercase and an uppercase letter are
/// words of their own. Whitespace is never part of a word (datatrove strips spaCy's whitespace
/// tokens).
///
/// Where it differs (docs/cleaning.md; measured by scripts/clean-agreement.py): spaCy's letter
/// classes are script lists, ours are Unicode letter properties; a chunk is kept whole as a URL
/// when it contains `://` or starts with `www.` (spaCy's URL pattern is finer); special cases
/// found across affixes by spaCy's phrase matcher (a rare second pass) are not applied.
public enum WordSplitter {
    /// The words of `text`, as ranges into it.
    public static func words(_ text: [UInt32]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        out.reserveCapacity(text.count / 5)
        for chunk in PythonText.fields(text, 0..<text.count) { split(text, chunk, into: &out) }
        return out
    }

    /// The number of sentences spaCy's sentencizer finds in `text[range]`: one, plus one for
    /// each word that is not punctuation and follows a sentence-ending word (`.`, `!`, `?`, …).
    public static func sentenceCount(_ text: [UInt32], _ range: Range<Int>) -> Int {
        var words: [Range<Int>] = []
        var previousEnd = range.lowerBound
        var count = 0
        var seenPeriod = false
        func visit(_ isPunct: Bool, _ isEnd: Bool) {
            if count == 0 { count = 1 }
            if seenPeriod && !isPunct && !isEnd { count += 1; seenPeriod = false }
            else if isEnd { seenPeriod = true }
        }
        for chunk in PythonText.fields(text, range) {
            // Extra whitespace between chunks is a token of its own for spaCy (not punctuation).
            if chunk.lowerBound - previousEnd > 1 || (chunk.lowerBound > previousEnd && text[previousEnd] != 0x20) {
                if count > 0 { visit(false, false) }
            }
            previousEnd = chunk.upperBound
            words.removeAll(keepingCapacity: true)
            split(text, chunk, into: &words)
            for w in words {
                let isEnd = w.count == 1 && sentenceEnd.contains(text[w.lowerBound])
                visit(isEnd || isPunctuation(text, w), isEnd)
            }
        }
        return count
    }

    static let sentenceEnd = Set(ReferenceTables.sentenceEnds)

    /// spaCy's `is_punct`: every character's general category is punctuation (P*).
    static func isPunctuation(_ text: [UInt32], _ w: Range<Int>) -> Bool {
        for i in w {
            guard let s = Unicode.Scalar(text[i]) else { return false }
            switch s.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation: continue
            default: return false
            }
        }
        return true
    }

    /// spaCy's special cases, by the hash of their scalars (`PythonText.hash`), with the key to
    /// confirm a match: a lookup allocates nothing.
    static let specials: [UInt64: (key: [UInt32], lengths: [Int])] = {
        var table: [UInt64: (key: [UInt32], lengths: [Int])] = [:]
        let flat = ReferenceTables.englishSpecialCases
        var i = 0
        while i < flat.count {
            let k = Int(flat[i]), p = Int(flat[i + 1])
            let lengths = flat[(i + 2)..<(i + 2 + p)].map { Int($0) }
            let key = Array(flat[(i + 2 + p)..<(i + 2 + p + k)])
            let h = PythonText.hash(key, 0..<key.count)
            precondition(table[h] == nil, "two special cases with one hash")
            table[h] = (key, lengths)
            i += 2 + p + k
        }
        return table
    }()

    static let longestSpecial = specials.values.map(\.key.count).max() ?? 0

    @inline(__always) static func special(_ text: [UInt32], _ r: Range<Int>) -> [Int]? {
        guard r.count <= longestSpecial, r.count > 0, let entry = specials[PythonText.hash(text, r)],
              entry.key.count == r.count else { return nil }
        for (k, c) in entry.key.enumerated() where text[r.lowerBound + k] != c { return nil }
        return entry.lengths
    }

    // Character sets of spaCy's English punctuation rules (spacy/lang/punctuation.py, char_classes.py).
    static let punct: Set<UInt32> = Set("…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪".unicodeScalars.map(\.value))
    static let quotes: Set<UInt32> = Set("'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧".unicodeScalars.map(\.value))
    static let currency: Set<UInt32> = Set("$£€¥฿₽﷼₴".unicodeScalars.map(\.value)).union(0x20A0...0x20BF)
    static let prefixOnly: Set<UInt32> = Set("§%=—–".unicodeScalars.map(\.value))
    static let units: [[UInt32]] = ["km", "km²", "km³", "m", "m²", "m³", "dm", "dm²", "dm³", "cm", "cm²", "cm³", "mm", "mm²", "mm³", "ha", "µm", "nm",
                                    "yd", "in", "ft", "kg", "g", "mg", "µg", "t", "lb", "oz", "m/s", "km/h", "kmh", "mph", "hPa", "Pa", "mbar", "mb",
                                    "MB", "kb", "KB", "gb", "GB", "tb", "TB", "T", "G", "M", "K", "%", "US$", "C$", "A$"].map { $0.unicodeScalars.map(\.value) }

    /// spaCy's icons: general category So (other symbol).
    @inline(__always) static func isSymbol(_ c: UInt32) -> Bool {
        guard c >= 0xA6, let s = Unicode.Scalar(c) else { return false }
        return s.properties.generalCategory == .otherSymbol
    }

    @inline(__always) static func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Length of the prefix spaCy splits off `text[r]` (0: none); its alternatives in order.
    static func prefixLength(_ t: [UInt32], _ r: Range<Int>) -> Int {
        guard !r.isEmpty else { return 0 }
        let c = t[r.lowerBound]
        if prefixOnly.contains(c) { return 1 }
        if c == 0x2B { return r.count > 1 && isDigit(t[r.lowerBound + 1]) ? 0 : 1 }   // + not before a digit
        if punct.contains(c) { return 1 }
        if c == 0x2E {
            var e = r.lowerBound
            while e < r.upperBound && t[e] == 0x2E { e += 1 }
            return e - r.lowerBound >= 2 ? e - r.lowerBound : 0
        }
        if quotes.contains(c) || currency.contains(c) || isSymbol(c) { return 1 }
        if (c == 0x55 || c == 0x43 || c == 0x41) && r.count >= 2 {   // US$ C$ A$
            if c == 0x55 && r.count >= 3 && t[r.lowerBound + 1] == 0x53 && t[r.lowerBound + 2] == 0x24 { return 3 }
            if c != 0x55 && t[r.lowerBound + 1] == 0x24 { return 2 }
        }
        return 0
    }

    /// Length of the suffix spaCy splits off `text[r]`: the longest of its alternatives (they are
    /// all anchored at the end, and `re.search` takes the leftmost match).
    static func suffixLength(_ t: [UInt32], _ r: Range<Int>) -> Int {
        guard !r.isEmpty else { return 0 }
        let end = r.upperBound, n = r.count
        let c = t[end - 1]
        var best = 0
        if punct.contains(c) || quotes.contains(c) || isSymbol(c) || c == 0x2014 || c == 0x2013 { best = 1 }
        if c == 0x2E {
            var s = end
            while s > r.lowerBound && t[s - 1] == 0x2E { s -= 1 }
            if end - s >= 2 { best = max(best, end - s) }
            if n >= 2 {
                let p = t[end - 2]
                if isDigit(p) || PythonText.isLower(p) || p == 0x25 || p == 0xB2 || p == 0x2D || p == 0x2B || p == 0x2E || p == 0x7C
                    || punct.contains(p) || quotes.contains(p) { best = max(best, 1) }
                else if n >= 3 && PythonText.isUpper(p) && PythonText.isUpper(t[end - 3]) { best = max(best, 1) }
                else if n >= 3 && p != 0 && "FfCcKk".unicodeScalars.contains(where: { $0.value == p }) && t[end - 3] == 0xB0 { best = max(best, 1) }
            }
        }
        if n >= 2 && (t[end - 2] == 0x27 || t[end - 2] == 0x2019) && (c == 0x73 || c == 0x53) { best = max(best, 2) }
        // After a digit: +, a currency sign, a unit.
        if n >= 2 && c == 0x2B && isDigit(t[end - 2]) { best = max(best, 1) }
        if n >= 2 && currency.contains(c) && isDigit(t[end - 2]) { best = max(best, 1) }
        for unit in units where unit.count < n && unit.count > best {
            guard isDigit(t[end - unit.count - 1]) else { continue }
            var equal = true
            for k in 0..<unit.count where t[end - unit.count + k] != unit[k] { equal = false; break }
            if equal { best = unit.count }
        }
        return best
    }

    @inline(__always) static func isAlpha(_ c: UInt32) -> Bool { PythonText.isAlpha(c) }

    /// Infix matches inside `text[r]` (non-overlapping, left to right), as ranges.
    static func infixes(_ t: [UInt32], _ r: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = r.lowerBound
        while i < r.upperBound {
            let c = t[i]
            var m = -1
            if c == 0x2E && i + 1 < r.upperBound && t[i + 1] == 0x2E {
                m = i + 2
                while m < r.upperBound && t[m] == 0x2E { m += 1 }
            } else if c == 0x2026 || isSymbol(c) {
                m = i + 1
            } else if i > r.lowerBound {
                let before = t[i - 1]
                let after: UInt32? = i + 1 < r.upperBound ? t[i + 1] : nil
                if isDigit(before), c == 0x2B || c == 0x2D || c == 0x2A || c == 0x5E, let a = after, isDigit(a) || a == 0x2D {
                    m = i + 1
                } else if c == 0x2E, let a = after, PythonText.isLower(before) || quotes.contains(before), PythonText.isUpper(a) || quotes.contains(a) {
                    m = i + 1
                } else if isAlpha(before) || isDigit(before) {
                    if c == 0x2C, isAlpha(before), let a = after, isAlpha(a) { m = i + 1 }
                    else if c == 0x2D || c == 0x2013 || c == 0x2014 || c == 0x7E {
                        // - – — -- --- —— ~ followed by a letter
                        var e = i + 1
                        if c == 0x2D { while e < r.upperBound && e - i < 3 && t[e] == 0x2D { e += 1 } }
                        if c == 0x2014 && e < r.upperBound && t[e] == 0x2014 { e += 1 }
                        if e < r.upperBound && isAlpha(t[e]) { m = e }
                        else if c == 0x2D, i + 1 < r.upperBound, isAlpha(t[i + 1]) { m = i + 1 }
                    } else if c == 0x3A || c == 0x3C || c == 0x3E || c == 0x3D || c == 0x2F, let a = after, isAlpha(a) {
                        m = i + 1
                    }
                }
            }
            if m > i { out.append(i..<m); i = m } else { i += 1 }
        }
        return out
    }

    static func looksLikeURL(_ t: [UInt32], _ r: Range<Int>) -> Bool {
        guard r.count >= 4 else { return false }
        if (t[r.lowerBound] | 0x20) == 0x77, r.count > 4, (t[r.lowerBound + 1] | 0x20) == 0x77, (t[r.lowerBound + 2] | 0x20) == 0x77, t[r.lowerBound + 3] == 0x2E { return true }
        var i = r.lowerBound
        while i + 2 < r.upperBound {
            if t[i] == 0x3A && t[i + 1] == 0x2F && t[i + 2] == 0x2F { return i > r.lowerBound }
            i += 1
        }
        return false
    }

    static func emitSpecial(_ start: Int, _ lengths: [Int], into out: inout [Range<Int>]) {
        var p = start
        for l in lengths { out.append(p..<(p + l)); p += l }
    }

    /// spaCy's `_split_affixes` and `_attach_tokens` on one whitespace-free chunk.
    static func split(_ t: [UInt32], _ chunk: Range<Int>, into out: inout [Range<Int>]) {
        if let lengths = special(t, chunk) { emitSpecial(chunk.lowerBound, lengths, into: &out); return }
        var lo = chunk.lowerBound, hi = chunk.upperBound
        var prefixes: [Range<Int>] = [], suffixes: [Range<Int>] = []
        var middleSpecial: [Int]? = nil
        var lastSize = -1
        while lo < hi && hi - lo != lastSize {
            if special(t, lo..<hi) != nil { break }
            lastSize = hi - lo
            let pre = prefixLength(t, lo..<hi)
            if pre > 0, lo + pre < hi, special(t, (lo + pre)..<hi) != nil {
                prefixes.append(lo..<(lo + pre)); lo += pre; break
            }
            let suf = suffixLength(t, (lo + pre)..<hi)
            if suf > 0, hi - suf > lo, special(t, lo..<(hi - suf)) != nil {
                suffixes.append((hi - suf)..<hi); hi -= suf; break
            }
            if pre > 0 && suf > 0 && pre + suf <= hi - lo {
                prefixes.append(lo..<(lo + pre)); suffixes.append((hi - suf)..<hi)
                lo += pre; hi -= suf
            } else if pre > 0 {
                prefixes.append(lo..<(lo + pre)); lo += pre
            } else if suf > 0 {
                suffixes.append((hi - suf)..<hi); hi -= suf
            }
            if lo < hi, special(t, lo..<hi) != nil { break }
        }
        out += prefixes
        if lo < hi {
            middleSpecial = special(t, lo..<hi)
            if let lengths = middleSpecial {
                emitSpecial(lo, lengths, into: &out)
            } else if looksLikeURL(t, lo..<hi) {
                out.append(lo..<hi)
            } else {
                var start = lo
                for m in infixes(t, lo..<hi) {
                    if m.lowerBound == lo { continue }
                    if m.lowerBound != start { out.append(start..<m.lowerBound) }
                    out.append(m)
                    start = m.upperBound
                }
                if start < hi { out.append(start..<hi) }
            }
        }
        out += suffixes.reversed()
    }
}
