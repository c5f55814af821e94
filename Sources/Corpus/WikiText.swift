/// MediaWiki markup → the plain text a reader sees, reduced the way WikiExtractor and gensim's
/// `filter_wiki` do it for training corpora (not a renderer: templates are not expanded).
///
/// In order, each pass O(n) in the bytes (nesting is matched with a stack, so templates inside
/// tables inside templates cost nothing extra):
/// 1. comments `<!-- … -->` and whole elements whose content is not prose — `<ref>…</ref>`,
///    `<ref …/>`, `<references/>`, `<gallery>`, `<math>`, `<timeline>`, `<score>`, `<imagemap>`,
///    `<graph>`, `<mapframe>`, `<templatedata>`, `<chem>`/`<ce>`, `<hiero>`, `<inputbox>` — are
///    removed; other tags (`<small>`, `<sup>`, `<span>`, `<nowiki>`, `<blockquote>`, `<code>`…) are
///    removed but their content kept; `<br>` becomes a line break;
/// 2. templates and parser functions `{{…}}` (nested), template parameters `{{{…}}}` and tables
///    `{| … |}` (a `{|` or `|}` at the start of a line) are removed; an opener that is never
///    closed is kept as text rather than eating the rest of the article;
/// 3. internal links: `[[target|label]]` → label, `[[target]]` → target, `[[target|]]` → target
///    without its parenthesis, `[[:Category:X]]` → Category:X; links to `File:`, `Image:`,
///    `Media:` and `Category:` (with their nested captions) and interlanguage links
///    (`[[de:…]]`) are removed; external links `[url label]` → label, `[url]` → nothing;
/// 4. per line: headings `== X ==` → `X` on its own line; list and indent markers `* # : ;`
///    removed; `----` rules and behaviour switches (`__NOTOC__`) removed; bold/italic quote runs
///    (`''`, `'''`, `'''''`) removed; spaces collapsed, a space before `,.;:!?)` dropped, empty
///    parentheses left by removed templates dropped;
/// 5. character references decoded (`&nbsp;`, `&ndash;`, `&#160;` … through `HTMLText`), then
///    blank-line runs collapsed to one.
/// The bytes are not validated: invalid UTF-8 passes through to the normalizer.
public enum WikiText {
    public static func plainText(_ wikitext: [UInt8]) -> [UInt8] {
        var text = stripTags(wikitext)
        text = stripTemplatesAndTables(text)
        text = resolveLinks(text[...])
        text = cleanLines(text)
        return finish(HTMLText.decodeEntities(text))
    }

    static let droppedElements: Set<String> = [
        "ref", "references", "gallery", "math", "timeline", "score", "imagemap", "graph", "mapframe", "maplink",
        "templatedata", "templatestyles", "chem", "ce", "hiero", "inputbox", "categorytree", "section",
    ]

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }

    // MARK: 1. comments and tags

    static func stripTags(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        let n = text.count
        while i < n {
            let c = text[i]
            guard c == 0x3C, i + 1 < n else { out.append(c); i += 1; continue }
            if text[i + 1] == 0x21, i + 3 < n, text[i + 2] == 0x2D, text[i + 3] == 0x2D {  // <!--
                i = ByteSearch.find("-->".utf8, in: text, from: i + 4).map { $0 + 3 } ?? n
                continue
            }
            let closing = text[i + 1] == 0x2F
            let nameStart = closing ? i + 2 : i + 1
            var j = nameStart
            while j < n, isLetter(text[j]) || (j > nameStart && text[j] >= 0x30 && text[j] <= 0x39) { j += 1 }
            // A tag: letters, then space, '/' or '>', and a '>' within 1000 bytes.
            guard j > nameStart, j < n, text[j] == 0x3E || text[j] == 0x20 || text[j] == 0x2F || text[j] == 0x0A || text[j] == 0x09,
                  let gt = text[j..<min(n, j + 1000)].firstIndex(of: 0x3E) else {
                out.append(c); i += 1; continue
            }
            let name = String(decoding: text[nameStart..<j], as: UTF8.self).lowercased()
            let selfClosing = text[gt - 1] == 0x2F
            i = gt + 1
            if name == "br" { out.append(0x0A); continue }
            if !closing && !selfClosing && droppedElements.contains(name) {
                // Drop through the matching close tag; an unclosed one drops only itself.
                if let close = HTMLText.findCaseInsensitive(text, "</\(name)", from: i),
                   let closeEnd = text[close...].firstIndex(of: 0x3E) {
                    i = closeEnd + 1
                }
                continue
            }
            // Other tags (and the close tags of dropped ones): remove the tag, keep the content.
        }
        return out
    }

    // MARK: 2. templates and tables

    enum Brace: UInt8 { case template, parameter, table }

    /// Whether `i` is at the start of a line, allowing leading spaces, tabs and `:` indents.
    @inline(__always) static func atLineStart(_ text: [UInt8], _ i: Int) -> Bool {
        var k = i - 1
        while k >= 0, text[k] == 0x20 || text[k] == 0x09 || text[k] == 0x3A { k -= 1 }
        return k < 0 || text[k] == 0x0A
    }

    /// The opener at `i`, if any, and its length.
    @inline(__always) static func opener(_ text: [UInt8], _ i: Int) -> (Brace, Int)? {
        let n = text.count
        guard text[i] == 0x7B, i + 1 < n else { return nil }
        if text[i + 1] == 0x7B {
            if i + 2 < n, text[i + 2] == 0x7B { return (.parameter, 3) }
            return (.template, 2)
        }
        if text[i + 1] == 0x7C, atLineStart(text, i) { return (.table, 2) }
        return nil
    }

    /// The closer at `i` for `top`, if any, and its length.
    @inline(__always) static func closer(_ text: [UInt8], _ i: Int, _ top: Brace) -> Int? {
        let n = text.count
        switch top {
        case .parameter: return i + 2 < n && text[i] == 0x7D && text[i + 1] == 0x7D && text[i + 2] == 0x7D ? 3 : nil
        case .template: return i + 1 < n && text[i] == 0x7D && text[i + 1] == 0x7D ? 2 : nil
        case .table: return i + 1 < n && text[i] == 0x7C && text[i + 1] == 0x7D && atLineStart(text, i) ? 2 : nil
        }
    }

    static func stripTemplatesAndTables(_ text: [UInt8]) -> [UInt8] {
        // Pass A: which openers are never closed (they stay as text).
        var unmatched = Set<Int>()
        var stack: [(Brace, Int)] = []
        var i = 0
        while i < text.count {
            if let top = stack.last, let length = closer(text, i, top.0) { stack.removeLast(); i += length; continue }
            if let (kind, length) = opener(text, i) { stack.append((kind, i)); i += length; continue }
            i += 1
        }
        for (_, at) in stack { unmatched.insert(at) }
        // Pass B: drop what is inside matched pairs.
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var kinds: [Brace] = []
        i = 0
        while i < text.count {
            if let top = kinds.last, let length = closer(text, i, top) { kinds.removeLast(); i += length; continue }
            if !unmatched.contains(i), let (kind, length) = opener(text, i) { kinds.append(kind); i += length; continue }
            if kinds.isEmpty { out.append(text[i]) }
            i += 1
        }
        return out
    }

    // MARK: 3. links

    static let droppedNamespaces: Set<String> = ["file", "image", "media", "category"]
    static let schemes = ["http://", "https://", "ftp://", "ftps://", "//", "mailto:", "news:", "irc://", "ircs://", "gopher://", "git://", "svn://", "sftp://"].map { Array($0.utf8) }

    static func resolveLinks(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        let n = text.endIndex
        while i < n {
            let c = text[i]
            if c == 0x5B, i + 1 < n, text[i + 1] == 0x5B, let close = matchingLinkEnd(text, from: i) {
                out += linkText(text[(i + 2)..<close])
                i = close + 2
                continue
            }
            if c == 0x5B, i + 1 < n, schemes.contains(where: { text[(i + 1)...].starts(with: $0) }) {
                // [url label]: to the first ']' on the line that does not close a nested [[link]].
                var j = i + 1
                while j < n, text[j] != 0x5D, text[j] != 0x0A {
                    if text[j] == 0x5B, j + 1 < n, text[j + 1] == 0x5B, let close = matchingLinkEnd(text, from: j) { j = close + 2; continue }
                    j += 1
                }
                if j < n, text[j] == 0x5D {
                    let inner = text[(i + 1)..<j]
                    if let space = inner.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) {
                        out += resolveLinks(inner[(space + 1)...])
                    }
                    i = j + 1
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// Index of the `]]` that closes the `[[` at `start`, counting nested `[[ … ]]`; nil when it
    /// is never closed (the brackets then stay as text).
    static func matchingLinkEnd(_ text: ArraySlice<UInt8>, from start: Int) -> Int? {
        var depth = 0
        var i = start
        let n = text.endIndex
        while i + 1 < n {
            if text[i] == 0x5B && text[i + 1] == 0x5B { depth += 1; i += 2; continue }
            if text[i] == 0x5D && text[i + 1] == 0x5D {
                depth -= 1
                if depth == 0 { return i }
                i += 2; continue
            }
            if text[i] == 0x0A && i + 1 < n && text[i + 1] == 0x0A && depth > 0 && !text[start...].starts(with: Array("[[File:".utf8)) && !text[start...].starts(with: Array("[[Image:".utf8)) {
                return nil  // a link does not span paragraphs (captions of files may)
            }
            i += 1
        }
        return nil
    }

    /// What an internal link shows. `inner` is the text between `[[` and `]]`.
    static func linkText(_ inner: ArraySlice<UInt8>) -> [UInt8] {
        var body = inner
        var leadingColon = false
        while let f = body.first, f == 0x20 { body = body.dropFirst() }
        if body.first == 0x3A { leadingColon = true; body = body.dropFirst() }
        // The first '|' outside nested links splits target and label.
        var pipe: Int?
        var depth = 0
        var k = body.startIndex
        while k < body.endIndex {
            if k + 1 < body.endIndex && body[k] == 0x5B && body[k + 1] == 0x5B { depth += 1; k += 2; continue }
            if k + 1 < body.endIndex && body[k] == 0x5D && body[k + 1] == 0x5D { depth -= 1; k += 2; continue }
            if body[k] == 0x7C && depth == 0 { pipe = k; break }
            k += 1
        }
        let target = body[body.startIndex..<(pipe ?? body.endIndex)]
        if !leadingColon, let colon = target.firstIndex(of: 0x3A) {
            let prefix = String(decoding: target[target.startIndex..<colon], as: UTF8.self).trimmingCharacters()
            if droppedNamespaces.contains(prefix.lowercased()) { return [] }
            // Interlanguage links ([[de:Anarchismus]]): a lower-case language code, no label.
            if pipe == nil, !prefix.isEmpty, prefix.count <= 12,
               prefix.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }) {
                return []
            }
        }
        if let pipe {
            let label = body[(pipe + 1)...]
            if !label.allSatisfy({ $0 == 0x20 }) { return resolveLinks(label) }
            // The pipe trick: [[Boston (band)|]] shows "Boston".
            var shown = Array(target)
            if let paren = shown.firstIndex(of: 0x28) { shown.removeSubrange(paren...) }
            while shown.last == 0x20 { shown.removeLast() }
            return shown
        }
        var shown = Array(target)
        if shown.first == 0x23 { shown.removeFirst() }  // [[#Section]]
        return shown
    }

    // MARK: 4. lines, quotes, spacing

    static func cleanLines(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for line in text.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var l = line[...]
            while let last = l.last, last == 0x20 || last == 0x09 || last == 0x0D { l = l.dropLast() }
            while let first = l.first, first == 0x20 || first == 0x09 { l = l.dropFirst() }
            if l.starts(with: Array("----".utf8)) { out.append(0x0A); continue }
            // Headings: == Title ==
            if l.count >= 3, l.first == 0x3D, l.last == 0x3D {
                var h = l
                while h.first == 0x3D { h = h.dropFirst() }
                while h.last == 0x3D { h = h.dropLast() }
                while let f = h.first, f == 0x20 || f == 0x09 { h = h.dropFirst() }
                while let e = h.last, e == 0x20 || e == 0x09 { h = h.dropLast() }
                if !h.isEmpty { out.append(0x0A); out += inline(h); out.append(0x0A) }
                continue
            }
            // List and indent markers.
            while let f = l.first, f == 0x2A || f == 0x23 || f == 0x3A || f == 0x3B { l = l.dropFirst() }
            while let f = l.first, f == 0x20 || f == 0x09 { l = l.dropFirst() }
            out += inline(l)
            out.append(0x0A)
        }
        return out
    }

    /// Quotes, behaviour switches and spacing within one line.
    static func inline(_ line: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var i = line.startIndex
        let n = line.endIndex
        while i < n {
            let c = line[i]
            if c == 0x27 {  // a run of apostrophes: 2, 3, 5 are markup; 4 is ' + bold; more, the excess shows
                var j = i
                while j < n, line[j] == 0x27 { j += 1 }
                let run = j - i
                if run == 1 { out.append(c) } else if run == 4 { out.append(0x27) } else if run > 5 { out += repeatElement(0x27, count: run - 5) }
                i = j
                continue
            }
            if c == 0x5F, i + 1 < n, line[i + 1] == 0x5F {  // __NOTOC__ and friends
                var j = i + 2
                while j < n, line[j] >= 0x41 && line[j] <= 0x5A { j += 1 }
                if j > i + 2, j + 1 < n, line[j] == 0x5F, line[j + 1] == 0x5F { i = j + 2; continue }
            }
            if c == 0x20 || c == 0x09 {
                if let last = out.last, last != 0x20, last != 0x28 { out.append(0x20) }
                i += 1
                continue
            }
            if c == 0x2C || c == 0x2E || c == 0x3B || c == 0x3A || c == 0x21 || c == 0x3F || c == 0x29 {
                if out.last == 0x20 { out.removeLast() }
                // "()" or "(, )" left by removed templates.
                if c == 0x29, out.last == 0x28 || (out.count >= 2 && out[out.count - 2] == 0x28 && (out.last == 0x2C || out.last == 0x3B)) {
                    while out.last != 0x28 { out.removeLast() }
                    out.removeLast()
                    if out.last == 0x20 { out.removeLast() }
                    i += 1
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        while out.last == 0x20 { out.removeLast() }
        return out
    }

    // MARK: 5. blank lines

    static func finish(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var newlines = 0
        for b in text {
            if b == 0x0A { newlines += 1; continue }
            if newlines > 0 && !out.isEmpty { out += newlines > 1 ? [0x0A, 0x0A] : [0x0A] }
            newlines = 0
            out.append(b)
        }
        if !out.isEmpty { out.append(0x0A) }
        return out
    }
}
