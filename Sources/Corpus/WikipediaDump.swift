/// Streams the pages of a MediaWiki XML export (a Wikipedia `pages-articles` dump, plain or
/// through `.bz2`/`.gz`/`.zst`, which the byte stream undoes).
///
/// Why a hand-written pull parser rather than an XML library: the dump is one element tens of
/// gigabytes long, and all that is needed from each `<page>` is its `title`, `ns`, `id`,
/// `redirect` and the latest revision's `text`. The reader buffers the bytes from one `<page>` to
/// its `</page>` (which cannot occur inside the page: text content escapes `<` as `&lt;`), so
/// memory is bounded by the largest page plus one chunk, never by the file. Time: O(n) in the
/// uncompressed bytes (each byte is scanned a constant number of times).
///
/// The stream must start (after an optional UTF-8 byte order mark, XML declaration and
/// comments) with `<mediawiki`; anything else is an `InputError` that says so. A stream that
/// ends inside a page or before `</mediawiki>` is an `InputError` too, thrown after the complete
/// pages before it have been returned.
public struct WikipediaDumpReader {
    /// One `<page>` element, its text still in wiki markup (XML character references decoded).
    public struct Page: Sendable {
        public var id: Int?
        public var title: String
        public var namespace: Int
        /// The page has a `<redirect>` element, or its text starts with `#REDIRECT`.
        public var isRedirect: Bool
        /// The `<text>` of the page's last `<revision>` (the latest, in history dumps).
        public var text: [UInt8]
    }

    /// Largest page accepted, so that a file that is not a dump cannot make the reader buffer it
    /// whole; the largest Wikipedia articles are a few MiB of wikitext.
    static let maximumPageBytes = 1 << 30

    /// Bytes kept from a buffer searched in vain for the next page: one less than the longest tag
    /// looked for there (`</mediawiki`), so a tag split across two chunks is found whole.
    static let keptTail = "</mediawiki".utf8.count - 1

    var stream: any ByteStream
    let source: String
    var buffer: [UInt8] = []
    var position = 0
    var done = false
    var started = false
    var finished = false
    var consumed = 0  // uncompressed bytes dropped from the front of `buffer`
    public private(set) var pageCount = 0

    public init(_ stream: any ByteStream, source: String) {
        self.stream = stream
        self.source = source
    }

    /// Appends the next chunk; false at the end of the stream.
    mutating func fill() throws -> Bool {
        if done { return false }
        if position > 1 << 20 {
            buffer.removeFirst(position)
            consumed += position
            position = 0
        }
        if let chunk = try stream.next() { buffer.append(contentsOf: chunk); return true }
        done = true
        return false
    }

    /// The next page, or nil after the last one.
    public mutating func next() throws -> Page? {
        if finished { return nil }
        if !started { try readPrologue() }
        // Find the next "<page>" (or "<page " with attributes), scanning each byte once.
        var searchFrom = position
        var pageStart: Int?
        while pageStart == nil {
            if let p = ByteSearch.find("<page".utf8, in: buffer, from: searchFrom, limit: buffer.count),
               p + 5 < buffer.count || done {
                let after = p + 5 < buffer.count ? buffer[p + 5] : 0
                if after == 0x3E || after == 0x20 || after == 0x0A || after == 0x09 || after == 0x0D {
                    pageStart = p
                    break
                }
                searchFrom = p + 5
                continue
            }
            // None in what is buffered: everything can go but a tail that may hold the start of
            // a "<page" or "</mediawiki" cut by the chunk boundary (the longer tag's length
            // minus one).
            if ByteSearch.find("</mediawiki".utf8, in: buffer, from: position, limit: buffer.count) != nil {
                finished = true
                return nil
            }
            position = max(position, buffer.count - Self.keptTail)
            if !(try fill()) {
                // The search above already covered every byte buffered: no closing tag.
                finished = true
                throw InputError(.truncated, path: source, record: pageCount, "\(source): the dump ends after \(pageCount) pages without </mediawiki> (truncated file?); the pages before were read, re-download it for the rest")
            }
            searchFrom = position  // fill() may have moved the buffer's contents to the front
        }
        // Find its "</page>". The page start becomes `position`, so that compaction in fill()
        // keeps the page and moves it to the front.
        position = pageStart!
        var scanned = 0  // bytes of the page already searched
        var end: Int?
        while end == nil {
            if let e = ByteSearch.find("</page>".utf8, in: buffer, from: position + scanned, limit: buffer.count) { end = e; break }
            scanned = max(0, buffer.count - position - 6)
            if buffer.count - position > Self.maximumPageBytes {
                throw InputError(.malformed, path: source, byteOffset: consumed + position, record: pageCount + 1, "\(source): page \(pageCount + 1) at uncompressed byte \(consumed + position) has no </page> within \(Self.maximumPageBytes >> 20) MiB; expected a MediaWiki XML dump, or this file is damaged")
            }
            if !(try fill()) {
                finished = true
                let title = Self.element("title", in: buffer[position...]).map { " (\"\(String(decoding: $0, as: UTF8.self))\")" } ?? ""
                throw InputError(.truncated, path: source, record: pageCount + 1, "\(source): the dump ends inside page \(pageCount + 1)\(title) (truncated file?); the \(pageCount) pages before it were read, re-download it for the rest")
            }
        }
        let start = position
        let page = buffer[start..<(end! + 7)]
        position = end! + 7
        pageCount += 1
        return try parse(page)
    }

    /// Skips a byte order mark, the XML declaration, comments and whitespace, and checks that the
    /// root element is `<mediawiki`.
    mutating func readPrologue() throws {
        started = true
        while buffer.count - position < 4096, try fill() {}
        if buffer.count >= 2 && (buffer[0] == 0xFF && buffer[1] == 0xFE || buffer[0] == 0xFE && buffer[1] == 0xFF) {
            throw InputError(.unsupported, path: source, byteOffset: 0, "\(source): this dump is UTF-16 encoded; expected UTF-8 (as Wikimedia publishes them). Convert it first, e.g. iconv -f UTF-16 -t UTF-8")
        }
        position = Self.prologueEnd(buffer)
        guard Self.matches(buffer, "<mediawiki", at: position) else {
            let found = String(decoding: buffer[position..<min(buffer.count, position + 40)], as: UTF8.self)
                .map { $0.isASCII && !$0.isNewline ? String($0) : "·" }.joined()
            throw InputError(.malformed, path: source, byteOffset: 0, "\(source): expected a MediaWiki XML dump starting with <mediawiki, found \"\(found)\"; if this is other XML, read it with --input-format text")
        }
    }

    /// Index of the first element in `bytes`: after a UTF-8 byte order mark, whitespace, the XML
    /// declaration and comments.
    static func prologueEnd(_ bytes: [UInt8]) -> Int {
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1; continue }
            if matches(bytes, "<?", at: i), let e = ByteSearch.find("?>".utf8, in: bytes, from: i, limit: bytes.count) { i = e + 2; continue }
            if matches(bytes, "<!--", at: i), let e = ByteSearch.find("-->".utf8, in: bytes, from: i, limit: bytes.count) { i = e + 3; continue }
            break
        }
        return i
    }

    /// Whether `head`, the first bytes of a stream, opens a MediaWiki export.
    public static func startsLikeDump(_ head: [UInt8]) -> Bool { matches(head, "<mediawiki", at: prologueEnd(head)) }

    /// Reads the fields of one `<page>…</page>` slice. Elements are tracked by depth so that the
    /// page's own `<id>` is told from the revision's and the contributor's.
    func parse(_ page: ArraySlice<UInt8>) throws -> Page {
        var names: [String] = []
        var title: [UInt8]?
        var namespace: [UInt8]?
        var id: [UInt8]?
        var redirect = false
        var text: [UInt8] = []
        var i = page.startIndex
        let end = page.endIndex
        while i < end {
            guard let lt = page[i..<end].firstIndex(of: 0x3C) else { break }
            guard let gt = page[lt..<end].firstIndex(of: 0x3E) else { break }
            let tag = page[(lt + 1)..<gt]
            i = gt + 1
            if tag.first == 0x2F {  // </name>
                if !names.isEmpty { names.removeLast() }
                continue
            }
            if tag.first == 0x3F || tag.first == 0x21 { continue }  // <? ?>, <!-- -->
            let selfClosing = tag.last == 0x2F
            var nameEnd = tag.startIndex
            while nameEnd < tag.endIndex, tag[nameEnd] != 0x20, tag[nameEnd] != 0x2F, tag[nameEnd] != 0x0A, tag[nameEnd] != 0x09 { nameEnd += 1 }
            let name = String(decoding: tag[tag.startIndex..<nameEnd], as: UTF8.self)
            // Path of the element: ["page", ...]; its content runs to the next '<'.
            let path = names + [name]
            if selfClosing {
                if path.count == 2 && name == "redirect" { redirect = true }
                if path.count == 3 && path[1] == "revision" && name == "text" { text = [] }
                continue
            }
            names.append(name)
            let contentEnd = page[i..<end].firstIndex(of: 0x3C) ?? end
            let content = page[i..<contentEnd]
            switch path.count {
            case 2:
                if name == "title" { title = Self.decodeXML(content) }
                else if name == "ns" { namespace = Array(content) }
                else if name == "id" { id = Array(content) }
                else if name == "redirect" { redirect = true }
            case 3 where path[1] == "revision" && name == "text":
                text = Self.decodeXML(content)
            default: break
            }
        }
        guard let title else {
            throw InputError(.malformed, path: source, byteOffset: consumed + page.startIndex, record: pageCount, "\(source): page \(pageCount) at uncompressed byte \(consumed + page.startIndex) has no <title>; expected a MediaWiki XML dump")
        }
        let ns = namespace.flatMap { Int(String(decoding: $0, as: UTF8.self).trimmingCharacters()) }
            ?? (title.contains(0x3A) ? -1 : 0)
        if !redirect {
            // Dumps before 2008 mark redirects only in the text.
            var k = 0
            while k < text.count, text[k] == 0x20 || text[k] == 0x0A { k += 1 }
            if text.count - k >= 9, String(decoding: text[k..<(k + 9)], as: UTF8.self).uppercased() == "#REDIRECT" { redirect = true }
        }
        return Page(id: id.flatMap { Int(String(decoding: $0, as: UTF8.self).trimmingCharacters()) },
                    title: String(decoding: title, as: UTF8.self), namespace: ns, isRedirect: redirect, text: text)
    }

    /// The decoded content of the first `<name>` element in `bytes`, if any.
    static func element(_ name: String, in bytes: ArraySlice<UInt8>) -> [UInt8]? {
        guard let open = ByteSearch.find("<\(name)>".utf8, in: bytes, from: bytes.startIndex, limit: bytes.endIndex) else { return nil }
        let start = open + name.utf8.count + 2
        guard let close = bytes[start...].firstIndex(of: 0x3C) else { return nil }
        return decodeXML(bytes[start..<close])
    }

    /// XML character data → bytes: the five predefined entities and numeric references.
    /// (MediaWiki's export uses no others; an unknown reference is left as written.) O(n).
    static func decodeXML(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard bytes.contains(0x26) else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            guard b == 0x26, let semicolon = bytes[i..<min(bytes.endIndex, i + 12)].firstIndex(of: 0x3B) else {
                out.append(b); i += 1; continue
            }
            let name = bytes[(i + 1)..<semicolon]
            var decoded: [UInt8]?
            switch String(decoding: name, as: UTF8.self) {
            case "lt": decoded = [0x3C]
            case "gt": decoded = [0x3E]
            case "amp": decoded = [0x26]
            case "quot": decoded = [0x22]
            case "apos": decoded = [0x27]
            default:
                if name.first == 0x23 {
                    let digits = String(decoding: name.dropFirst(), as: UTF8.self)
                    let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                    if let value, let scalar = Unicode.Scalar(value) { decoded = Array(String(Character(scalar)).utf8) }
                }
            }
            if let decoded { out += decoded; i = semicolon + 1 } else { out.append(b); i += 1 }
        }
        return out
    }

    static func matches(_ bytes: [UInt8], _ needle: String, at i: Int) -> Bool {
        let n = Array(needle.utf8)
        return i + n.count <= bytes.count && bytes[i..<(i + n.count)].elementsEqual(n)
    }
}
