import Foundation

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
            return try parquet!.next()
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
