import Normalizer

/// HTML → plain text: the visible text of a page, O(n) in one pass over the bytes.
///
/// - `script`, `style`, `noscript`, `template`, `svg` elements, comments, doctype and processing
///   instructions are dropped;
/// - block elements (p, div, br, li, headings, table rows, pre, blockquote, …) become line breaks;
///   table cells are separated by a tab;
/// - runs of spaces/newlines in ordinary text collapse to one space (kept as is inside `pre`);
/// - character references are decoded: numeric (`&#8212;`, `&#x2014;`) and the common named ones
///   (`&amp;`, `&nbsp;`, `&mdash;`, accented letters…); an unknown name is left as written.
///   Numbers 0x80–0x9F mean what Windows-1252 puts there (`&#150;` is "–"), as the HTML5 spec's
///   numeric character reference table and every browser say; the five it leaves undefined stay
///   C1 controls (which the normalizer's control removal then counts and drops).
/// The bytes are not validated: invalid UTF-8 passes through to the normalizer.
public enum HTMLText {
    static let dropped: Set<String> = ["script", "style", "noscript", "template", "svg", "head"]
    static let blocks: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
        "section", "article", "header", "footer", "nav", "aside", "main", "pre", "blockquote", "hr", "form",
        "figure", "figcaption", "title", "address", "fieldset", "details", "summary", "caption", "thead",
        "tbody", "tfoot", "body", "html", "option", "center",
    ]

    public static func extract(_ html: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(html.count / 2)
        var i = 0
        let n = html.count
        var preDepth = 0
        var pendingSpace = false
        var titleSeen = false

        func newline() {
            pendingSpace = false
            while out.last == 0x20 { out.removeLast() }
            // At most one blank line in a row.
            if out.isEmpty { return }
            if out.count >= 2 && out[out.count - 1] == 0x0A && out[out.count - 2] == 0x0A { return }
            out.append(0x0A)
        }
        func text(_ byte: UInt8) {
            if preDepth == 0 && (byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C) {
                pendingSpace = true
                return
            }
            if pendingSpace {
                if let last = out.last, last != 0x0A && last != 0x09 { out.append(0x20) }
                pendingSpace = false
            }
            out.append(byte)
        }

        while i < n {
            let c = html[i]
            if c == 0x3C, i + 1 < n {  // '<'
                let next = html[i + 1]
                if next == 0x21 {  // <!-- comment --> or <!DOCTYPE ...>
                    if i + 3 < n && html[i + 2] == 0x2D && html[i + 3] == 0x2D {
                        i = ByteSearch.find("-->".utf8, in: html, from: i + 4).map { $0 + 3 } ?? n
                    } else {
                        i = (html[i...].firstIndex(of: 0x3E) ?? n - 1) + 1
                    }
                    continue
                }
                if next == 0x3F {  // <? ... ?>
                    i = (html[i...].firstIndex(of: 0x3E) ?? n - 1) + 1
                    continue
                }
                let closing = next == 0x2F
                let nameStart = closing ? i + 2 : i + 1
                var j = nameStart
                while j < n, isNameByte(html[j]) { j += 1 }
                if j == nameStart {  // not a tag: a literal '<'
                    text(c); i += 1; continue
                }
                let name = String(decoding: html[nameStart..<j], as: UTF8.self).lowercased()
                // End of the tag: the next '>' outside quotes.
                var k = j
                var quote: UInt8 = 0
                while k < n {
                    let b = html[k]
                    if quote != 0 { if b == quote { quote = 0 } } else if b == 0x22 || b == 0x27 { quote = b } else if b == 0x3E { break }
                    k += 1
                }
                let selfClosing = k > 0 && k - 1 < n && html[k - 1] == 0x2F
                i = k + 1
                if !closing && dropped.contains(name) && !selfClosing {
                    if name == "head" {
                        // Keep the title, drop the rest of the head.
                        if let end = findCaseInsensitive(html, "</head", from: i) {
                            if !titleSeen, let t = findCaseInsensitive(html[i..<end], "<title", from: i) {
                                if let tEnd = html[t...].firstIndex(of: 0x3E), let close = findCaseInsensitive(html[..<end], "</title", from: tEnd) {
                                    titleSeen = true
                                    for b in decodeEntities(Array(html[(tEnd + 1)..<close])) { text(b) }
                                    newline(); newline()
                                }
                            }
                            i = end
                        }
                        continue
                    }
                    i = findCaseInsensitive(html, "</\(name)", from: i) ?? n
                    continue
                }
                if name == "pre" { preDepth = max(0, preDepth + (closing ? -1 : 1)) }
                if name == "td" || name == "th" {
                    if !closing, let last = out.last, last != 0x0A { pendingSpace = false; out.append(0x09) }
                } else if blocks.contains(name) {
                    newline()
                    if !closing && (name == "p" || name.first == "h" && name.count == 2 || name == "pre" || name == "blockquote") { newline() }
                    if closing && (name == "p" || name.first == "h" && name.count == 2 || name == "pre") { newline() }
                }
                continue
            }
            if c == 0x26 {  // '&'
                if let (decoded, length) = entity(html, at: i) {
                    for b in decoded { text(b) }
                    i += length
                    continue
                }
            }
            text(c)
            i += 1
        }
        while let last = out.last, last == 0x0A || last == 0x20 { out.removeLast() }
        if !out.isEmpty { out.append(0x0A) }
        return out
    }

    /// Decodes character references in `bytes` (used for attribute-free text such as titles).
    public static func decodeEntities(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x26, let (decoded, length) = entity(bytes, at: i) {
                out += decoded; i += length
            } else { out.append(bytes[i]); i += 1 }
        }
        return out
    }

    @inline(__always) static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x3A
    }

    static func findCaseInsensitive(_ bytes: ArraySlice<UInt8>, _ needle: String, from: Int) -> Int? {
        let lower = Array(needle.utf8)
        guard from <= bytes.endIndex - lower.count else { return nil }
        var i = from
        while i <= bytes.endIndex - lower.count {
            var match = true
            for (k, b) in lower.enumerated() where (bytes[i + k] | (bytes[i + k] >= 0x41 && bytes[i + k] <= 0x5A ? 0x20 : 0)) != b {
                match = false; break
            }
            if match { return i }
            i += 1
        }
        return nil
    }
    static func findCaseInsensitive(_ bytes: [UInt8], _ needle: String, from: Int) -> Int? {
        findCaseInsensitive(bytes[...], needle, from: from)
    }

    static let named: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0xA0, "copy": 0xA9, "reg": 0xAE,
        "trade": 0x2122, "mdash": 0x2014, "ndash": 0x2013, "hellip": 0x2026, "lsquo": 0x2018, "rsquo": 0x2019,
        "ldquo": 0x201C, "rdquo": 0x201D, "laquo": 0xAB, "raquo": 0xBB, "bull": 0x2022, "middot": 0xB7,
        "para": 0xB6, "sect": 0xA7, "deg": 0xB0, "plusmn": 0xB1, "times": 0xD7, "divide": 0xF7, "euro": 0x20AC,
        "pound": 0xA3, "yen": 0xA5, "cent": 0xA2, "shy": 0xAD, "thinsp": 0x2009, "ensp": 0x2002, "emsp": 0x2003,
        "zwnj": 0x200C, "zwj": 0x200D, "larr": 0x2190, "rarr": 0x2192, "uarr": 0x2191, "darr": 0x2193,
        "harr": 0x2194, "rArr": 0x21D2, "lArr": 0x21D0, "hArr": 0x21D4, "le": 0x2264, "ge": 0x2265, "ne": 0x2260,
        "iexcl": 0xA1, "iquest": 0xBF, "szlig": 0xDF, "aelig": 0xE6, "AElig": 0xC6, "oslash": 0xF8, "Oslash": 0xD8,
        "aring": 0xE5, "Aring": 0xC5, "ccedil": 0xE7, "Ccedil": 0xC7, "ntilde": 0xF1, "Ntilde": 0xD1,
        "eth": 0xF0, "thorn": 0xFE, "hyphen": 0x2010, "prime": 0x2032, "Prime": 0x2033, "sbquo": 0x201A,
        "bdquo": 0x201E, "dagger": 0x2020, "Dagger": 0x2021, "permil": 0x2030, "lsaquo": 0x2039, "rsaquo": 0x203A,
        "alpha": 0x3B1, "beta": 0x3B2, "gamma": 0x3B3, "delta": 0x3B4, "pi": 0x3C0, "mu": 0x3BC, "micro": 0xB5,
        "sup2": 0xB2, "sup3": 0xB3, "frac12": 0xBD, "frac14": 0xBC, "frac34": 0xBE, "not": 0xAC, "macr": 0xAF,
    ]
    static let accented: [String: UInt32] = {
        // Latin-1 letters: &Agrave; … &yuml; by their standard names.
        let bases: [(String, [(String, UInt32)])] = [
            ("grave", [("A", 0xC0), ("E", 0xC8), ("I", 0xCC), ("O", 0xD2), ("U", 0xD9), ("a", 0xE0), ("e", 0xE8), ("i", 0xEC), ("o", 0xF2), ("u", 0xF9)]),
            ("acute", [("A", 0xC1), ("E", 0xC9), ("I", 0xCD), ("O", 0xD3), ("U", 0xDA), ("Y", 0xDD), ("a", 0xE1), ("e", 0xE9), ("i", 0xED), ("o", 0xF3), ("u", 0xFA), ("y", 0xFD)]),
            ("circ", [("A", 0xC2), ("E", 0xCA), ("I", 0xCE), ("O", 0xD4), ("U", 0xDB), ("a", 0xE2), ("e", 0xEA), ("i", 0xEE), ("o", 0xF4), ("u", 0xFB)]),
            ("tilde", [("A", 0xC3), ("O", 0xD5), ("a", 0xE3), ("o", 0xF5)]),
            ("uml", [("A", 0xC4), ("E", 0xCB), ("I", 0xCF), ("O", 0xD6), ("U", 0xDC), ("a", 0xE4), ("e", 0xEB), ("i", 0xEF), ("o", 0xF6), ("u", 0xFC), ("y", 0xFF)]),
        ]
        var table: [String: UInt32] = [:]
        for (suffix, letters) in bases { for (letter, value) in letters { table[letter + suffix] = value } }
        return table
    }()

    /// The decoded bytes and the length of the reference at `i` (which holds '&'), or nil.
    static func entity(_ bytes: [UInt8], at i: Int) -> ([UInt8], Int)? {
        var j = i + 1
        let limit = min(bytes.count, i + 34)
        if j < bytes.count && bytes[j] == 0x23 {  // &#
            j += 1
            var hex = false
            if j < bytes.count && (bytes[j] | 0x20) == 0x78 { hex = true; j += 1 }
            var value: UInt32 = 0
            let digitsStart = j
            while j < limit {
                let b = bytes[j]
                if b >= 0x30 && b <= 0x39 { value = value &* (hex ? 16 : 10) &+ UInt32(b - 0x30) }
                else if hex && (b | 0x20) >= 0x61 && (b | 0x20) <= 0x66 { value = value &* 16 &+ UInt32((b | 0x20) - 0x61 + 10) }
                else { break }
                j += 1
                if value > 0x10FFFF { return nil }
            }
            guard j > digitsStart else { return nil }
            if j < bytes.count && bytes[j] == 0x3B { j += 1 }
            // Windows-1252 meanings for the C1 range (HTML5 § 13.2.5.80), invalid values → U+FFFD.
            if value >= 0x80 && value <= 0x9F, let mapped = LegacyEncoding.windows1252.codePoint(of: UInt8(value)) { value = mapped }
            let scalar = Unicode.Scalar(value == 0 ? 0xFFFD : value) ?? Unicode.Scalar(0xFFFD)!
            return (Array(String(Character(scalar)).utf8), j - i)
        }
        while j < limit, isNameByte(bytes[j]) { j += 1 }
        guard j < bytes.count, bytes[j] == 0x3B, j > i + 1 else { return nil }
        let name = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
        guard let value = named[name] ?? accented[name], let scalar = Unicode.Scalar(value) else { return nil }
        return (Array(String(Character(scalar)).utf8), j + 1 - i)
    }
}
