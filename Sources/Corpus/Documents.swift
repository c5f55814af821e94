import Foundation

/// The layout of an input file.
public enum InputFormat: String, Sendable, Codable, CaseIterable {
    case text, jsonl, html, warc, wet, wikipedia, parquet

    /// The format a file name implies (compression extensions `.gz`, `.zst`, `.bz2` are looked
    /// through): `.jsonl`/`.json` → jsonl, `.html`/`.htm`/`.xhtml` → html, `.warc` → warc,
    /// `.wet` (or `.warc.wet`) → wet, XML → wikipedia when it is a MediaWiki dump (see
    /// `looksLikeWikipediaDump`), `.parquet` → parquet (never compressed from outside: Parquet
    /// compresses its pages itself), anything else → text.
    public static func guess(path: String) -> InputFormat {
        var name = (path as NSString).lastPathComponent.lowercased()
        if name.hasSuffix(".parquet") { return .parquet }
        for ext in [".gz", ".zst", ".bz2"] where name.hasSuffix(ext) { name.removeLast(ext.count) }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
        if name.hasSuffix(".html") || name.hasSuffix(".htm") || name.hasSuffix(".xhtml") { return .html }
        if name.hasSuffix(".wet") { return .wet }
        if name.hasSuffix(".warc") { return .warc }
        if looksLikeWikipediaDump(path: path, name: name) { return .wikipedia }
        return .text
    }

    /// Whether an input is a MediaWiki XML dump. Only names ending in `.xml`, or containing
    /// `.xml-p` as Wikimedia's split dumps do (`enwiki-…-pages-articles1.xml-p1p41242.bz2`), are
    /// considered; of those, the first 64 KiB of the (decompressed) stream decide: the root
    /// element must be `<mediawiki`. Other XML stays `text`, as before this format existed. When
    /// the file cannot be opened or decompressed, a name containing `pages-articles` or
    /// `pages-meta` is enough (the reader then reports the real problem).
    /// Cost: one open and at most one decompressed chunk, for XML names only.
    static func looksLikeWikipediaDump(path: String, name: String) -> Bool {
        guard name.hasSuffix(".xml") || name.contains(".xml-p") else { return false }
        let byName = name.contains("pages-articles") || name.contains("pages-meta")
        guard var stream = try? openByteStream(path, chunkSize: 1 << 16) else { return byName }
        var head: [UInt8] = []
        while head.count < 1 << 16 {
            let chunk: [UInt8]?
            do { chunk = try stream.next() } catch { return byName }
            guard let chunk else { break }
            head += chunk
        }
        return WikipediaDumpReader.startsLikeDump(head)
    }
}

/// How a plain-text file is cut into documents.
public enum TextSplit: String, Sendable, Codable, CaseIterable {
    /// The whole file is one document.
    case file
    /// Paragraphs: runs of lines separated by one or more blank lines.
    case blankLines = "blank-lines"
    /// Every non-empty line is a document.
    case lines
}

public struct ReaderOptions: Sendable, Hashable, Codable {
    public var format: InputFormat?
    public var split: TextSplit
    public var textField: String
    public var stripGutenberg: Bool

    public init(format: InputFormat? = nil, split: TextSplit = .file, textField: String = "text", stripGutenberg: Bool = true) {
        self.format = format
        self.split = split
        self.textField = textField
        self.stripGutenberg = stripGutenberg
    }
}

/// One document read from an input, as raw bytes (not yet validated or normalized).
/// `problem` is set (and `bytes` empty) for a record that could not be read, such as a
/// malformed JSONL line: the caller reports it and goes on with the next record.
public struct Document: Sendable {
    public var bytes: [UInt8]
    /// `path`, `path:line` or `path#record` — where to look.
    public var location: String
    public var problem: String?
    /// Set (and `bytes` empty) for a record that holds no text by design, such as a Parquet row
    /// whose text is null: the caller counts it as a drop under this reason, without a warning.
    public var dropReason: DropReason?
    /// The charset the reader decoded the bytes from (a WARC payload's declared charset).
    public var decodedFrom: String? = nil
    /// What the reader undid to read the record (a WARC payload's content-encoding, …).
    public var repairs: [PayloadRepair] = []

    public init(bytes: [UInt8], location: String, problem: String? = nil, dropReason: DropReason? = nil) {
        self.bytes = bytes
        self.location = location
        self.problem = problem
        self.dropReason = dropReason
    }
}

/// Reads the documents of one input file in order, with memory bounded by the largest document
/// (plus a 1 MiB chunk). Errors that end the file (truncated compression, a WARC record whose
/// length is wrong) are thrown; a bad record inside a file that can go on is returned as a
/// `Document` with `problem` set.
public struct DocumentReader {
    public let path: String
    public let format: InputFormat
    let options: ReaderOptions
    var lines: LineReader?
    var warc: WARCReader?
    var wiki: WikipediaDumpReader?
    var parquet: ParquetReader?
    var wholeFileDone = false
    /// The bytes of a whole-file text or HTML document, when given as a stream.
    var stream: (any ByteStream)?

    public init(path: String, options: ReaderOptions) throws {
        try self.init(path: path, options: options, stream: nil)
    }

    /// Reads `stream` (already decompressed) as the contents of `path`: how standard input is
    /// read, through a stream that also counts and hashes what it passes on. `options.format`
    /// must be set when the name says nothing (`-`); Parquet, which seeks, cannot be streamed.
    public init(path: String, options: ReaderOptions, stream: (any ByteStream)?) throws {
        self.path = path
        self.options = options
        format = options.format ?? InputFormat.guess(path: path)
        if stream != nil && format == .parquet {
            throw InputError(.unsupported, path: path == "-" ? "standard input" : path, "\(path == "-" ? "standard input" : path): Parquet cannot be read as a stream (its index is at the end of the file); save it to a file and pass the file")
        }
        let open = { try stream ?? openByteStream(path) }
        switch format {
        case .jsonl: lines = LineReader(try open())
        case .text where options.split != .file: lines = LineReader(try open())
        case .warc, .wet: warc = WARCReader(try open(), source: path, wet: format == .wet)
        case .wikipedia: wiki = WikipediaDumpReader(try open(), source: path)
        case .parquet: parquet = try ParquetReader(path: path, column: options.textField)
        default: self.stream = stream
        }
    }

    public mutating func next() throws -> Document? {
        switch format {
        case .text, .html:
            if lines != nil { return try nextSplit() }
            if wholeFileDone { return nil }
            wholeFileDone = true
            var bytes: [UInt8] = []
            if var stream { while let chunk = try stream.next() { bytes += chunk } } else { bytes = try InputFile.read(path) }
            if format == .html { bytes = HTMLText.extract(bytes) }
            else if options.stripGutenberg { bytes = Gutenberg.strip(bytes) }
            return Document(bytes: bytes, location: path)
        case .jsonl:
            return try nextJSONL()
        case .warc, .wet:
            guard let record = try warc!.next() else { return nil }
            let location = "\(path)#\(record.index)\(record.uri.map { " <\($0)>" } ?? "")"
            // Records without a document (a WET file's warcinfo, a WARC request, an image) are
            // counted as drops under their reason.
            if let reason = record.dropReason { return Document(bytes: [], location: location, dropReason: reason) }
            var document = Document(bytes: record.text, location: location)
            document.decodedFrom = record.decodedFrom
            document.repairs = record.repairs
            return document
        case .wikipedia:
            // Articles only: namespace 0, not redirects.
            while let page = try wiki!.next() {
                if page.namespace != 0 || page.isRedirect { continue }
                return Document(bytes: WikiText.plainText(page.text), location: "\(path)#\(page.title)")
            }
            return nil
        case .parquet:
            guard let row = try parquet!.next() else { return nil }
            guard let text = row.text else { return Document(bytes: [], location: row.location, dropReason: .nullText) }
            return Document(bytes: text, location: row.location)
        }
    }

    private mutating func nextSplit() throws -> Document? {
        if options.split == .lines {
            while let line = try lines!.next() {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                return Document(bytes: line, location: "\(path):\(lines!.lineNumber)")
            }
            return nil
        }
        var paragraph: [UInt8] = []
        var firstLine = 0
        while let line = try lines!.next() {
            let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if blank {
                if !paragraph.isEmpty { return Document(bytes: paragraph, location: "\(path):\(firstLine)") }
                continue
            }
            if paragraph.isEmpty { firstLine = lines!.lineNumber } else { paragraph.append(0x0A) }
            paragraph.append(contentsOf: line)
        }
        return paragraph.isEmpty ? nil : Document(bytes: paragraph, location: "\(path):\(firstLine)")
    }

    private mutating func nextJSONL() throws -> Document? {
        while let line = try lines!.next() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let location = "\(path):\(lines!.lineNumber)"
            switch JSONField.string(options.textField, in: line) {
            case .success(let text): return Document(bytes: text, location: location)
            case .failure(let failure): return Document(bytes: [], location: location, problem: failure.message(field: options.textField))
            }
        }
        return nil
    }
}

/// Project Gutenberg boilerplate removal.
public enum Gutenberg {
    /// The text between the `*** START OF THE/THIS PROJECT GUTENBERG EBOOK ... ***` line and the
    /// `*** END OF ...` line, when both markers are present (the licence after the end marker and
    /// the header before the start marker are dropped); otherwise the input unchanged.
    public static func strip(_ bytes: [UInt8]) -> [UInt8] {
        guard let start = markerLine(in: bytes, word: "START", from: 0) else { return bytes }
        guard let end = markerLine(in: bytes, word: "END", from: start.upperBound) else { return bytes }
        return Array(bytes[start.upperBound..<end.lowerBound])
    }

    /// The byte range of the first line at or after `from` that starts with `*** START OF` (or
    /// `*END*`/`*** END OF`) and mentions PROJECT GUTENBERG, including its line feed.
    static func markerLine(in bytes: [UInt8], word: String, from: Int) -> Range<Int>? {
        let prefixes = ["*** \(word) OF", "***\(word) OF", "*\(word)*"].map { Array($0.utf8) }
        var lineStart = from
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
            let line = bytes[lineStart..<lineEnd]
            if prefixes.contains(where: { line.starts(with: $0) }) {
                let upper = String(decoding: line, as: UTF8.self).uppercased()
                if upper.contains("PROJECT GUTENBERG") { return lineStart..<min(bytes.count, lineEnd + 1) }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }
}
