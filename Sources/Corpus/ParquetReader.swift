import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// Reads the text column of a Parquet file (the layout of Hugging Face datasets such as FineWeb),
/// row group by row group: for each row the column's value (or nil for a null) and a source
/// label built from the row number and the `id` and `url` columns when the file has them.
///
/// What it reads (apache/parquet-format: parquet.thrift, Encodings.md): the footer and page
/// headers in Thrift's compact protocol; flat (non-nested) BYTE_ARRAY columns (UTF8 / STRING or
/// plain binary) and INT32/INT64 label columns; data pages v1 and v2; PLAIN and
/// PLAIN_DICTIONARY / RLE_DICTIONARY values; RLE/bit-packed definition levels (nulls); the
/// codecs UNCOMPRESSED, SNAPPY, GZIP and ZSTD; page CRCs when present. Anything else (nested or
/// repeated columns, other codecs or encodings, encrypted files, column data in other files)
/// throws an `InputError` naming the file, row group, column and what is unsupported.
///
/// Memory: the footer, plus, for the current row group, the compressed column chunks it reads
/// (text and labels), their dictionaries and one decompressed page each — never the whole file.
public struct ParquetReader {
    public struct Row {
        /// The text, or nil when the row's value is null.
        public var text: [UInt8]?
        /// `path#row N` (0-based row in the file), then ` id=…` and ` <url>` when present.
        public var location: String
    }

    final class File {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }

    public let path: String
    let file: File
    let size: Int64
    let metadata: ParquetMetadata
    let textColumn: Int
    let textDefinition: Int
    /// (name, leaf index, max definition level) of the label columns present.
    let labels: [(name: String, column: Int, definition: Int)]
    let leafTypes: [ParquetMetadata.PhysicalType]
    let leafNames: [String]
    let columnName: String
    /// `path#row ` and, per label column, ` <` (url) or ` name=`, as UTF-8.
    let locationPrefix: [UInt8]
    let labelPrefixes: [[UInt8]]
    let labelIsURL: [Bool]
    var locationScratch: [UInt8] = []

    var rowGroup = -1
    var text: ParquetColumnReader? = nil
    var labelReaders: [ParquetColumnReader] = []
    var spareChunks: [[UInt8]] = []
    var sparePages: [[UInt8]] = []
    /// The file's one zstd context, shared by its column readers.
    let zstd = ZstdDecoder()
    /// The largest column chunk that this reader reads (of those that lie inside the file): chunk
    /// buffers are made this size once, so that a row group larger than the ones before it does
    /// not allocate (and fault in) a new buffer. Page faults of new chunk buffers were 5% of a
    /// read of the 350 MB test file (perf).
    let largestChunk: Int
    var rowsLeftInGroup: Int64 = 0
    public private(set) var row = 0

    /// The Parquet magic, at the start and the end of every file.
    static let magic: [UInt8] = Array("PAR1".utf8)

    public init(path: String, column: String) throws {
        self.path = path
        columnName = column
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw InputError(.io, path: path, "cannot open \(path): \(String(cString: strerror(errno)))") }
        file = File(fd)
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw InputError(.io, path: path, "cannot read \(path): \(String(cString: strerror(errno)))") }
        let size = Int64(st.st_size)
        self.size = size
        guard size >= 12 else {
            throw InputError(.truncated, path: path, "\(path): not a Parquet file: \(size) bytes, shorter than the 12 bytes of the magic numbers and footer length (truncated file?)")
        }
        let head = try Self.read(fd, path, at: 0, count: 4)
        guard head == Self.magic else {
            throw InputError(.malformed, path: path, byteOffset: 0, "\(path): not a Parquet file: expected the magic \"PAR1\" at byte 0, found \(Self.show(head)); if it is JSONL or text, pass --input-format")
        }
        let tail = try Self.read(fd, path, at: size - 8, count: 8)
        if Array(tail[4...]) == Array("PARE".utf8) {
            throw InputError(.unsupported, path: path, "\(path): the Parquet footer is encrypted (magic \"PARE\"); encrypted Parquet files are not supported — decrypt it first")
        }
        guard Array(tail[4...]) == Self.magic else {
            throw InputError(.truncated, path: path, byteOffset: Int(size - 4), "\(path): expected the Parquet magic \"PAR1\" at byte \(size - 4) (the end of the file), found \(Self.show(Array(tail[4...]))): the file is truncated or not Parquet; re-download it")
        }
        let footerLength = Int64(tail.readLE32(0))
        guard footerLength <= size - 12 else {
            throw InputError(.truncated, path: path, byteOffset: Int(size - 8), "\(path): the footer length at byte \(size - 8) says \(footerLength) bytes, but only \(size - 12) precede it: the file is truncated or corrupt; re-download it")
        }
        let footerStart = size - 8 - footerLength
        let footer = try Self.read(fd, path, at: footerStart, count: Int(footerLength))
        let metadata: ParquetMetadata
        do {
            metadata = try footer.withUnsafeBytes { try ParquetMetadata($0) }
        } catch {
            throw InputError(.malformed, path: path, byteOffset: Int(footerStart), "\(path): corrupt Parquet footer (bytes \(footerStart)…\(size - 8)): \(error); the file is truncated or damaged, re-download it")
        }
        if metadata.encrypted {
            throw InputError(.unsupported, path: path, "\(path): the file's columns are encrypted (encryption_algorithm in its footer); encrypted Parquet files are not supported")
        }
        let leaves: [ParquetMetadata.Column]
        do { leaves = try metadata.leafColumns() } catch { throw InputError(.malformed, path: path, "\(path): corrupt Parquet schema: \(error)") }
        self.metadata = metadata
        let leafTypes = leaves.map { ParquetMetadata.PhysicalType(rawValue: $0.element.type ?? -1) ?? .boolean }
        self.leafTypes = leafTypes
        leafNames = leaves.map { $0.path.joined(separator: ".") }
        let available = leaves.map { $0.path.joined(separator: ".") }
        guard let index = leaves.firstIndex(where: { $0.path == [column] }) else {
            if leaves.contains(where: { $0.path.first == column }) {
                throw InputError(.unsupported, path: path, "\(path): column \"\(column)\" is nested (a list, map or struct); only flat string columns can be read — select a flat column with --text-field")
            }
            throw InputError(.invalidRequest, path: path, "\(path): no column \"\(column)\"; the file has \(available.joined(separator: ", ")) — name the text column with --text-field")
        }
        let leaf = leaves[index]
        guard leaf.maxRepetition == 0 else {
            throw InputError(.unsupported, path: path, "\(path): column \"\(column)\" is repeated (a list of values per row); only single-valued string columns can be read")
        }
        guard leafTypes[index] == .byteArray else {
            throw InputError(.invalidRequest, path: path, "\(path): column \"\(column)\" has physical type \(ParquetMetadata.PhysicalType(rawValue: leaf.element.type ?? -1).map { "\($0)" } ?? "unknown"), not BYTE_ARRAY (a string); name the text column with --text-field")
        }
        textColumn = index
        textDefinition = leaf.maxDefinition
        var labels: [(String, Int, Int)] = []
        for name in ["id", "url"] where name != column {
            if let i = leaves.firstIndex(where: { $0.path == [name] }), leaves[i].maxRepetition == 0,
               [.byteArray, .int32, .int64].contains(leafTypes[i]) {
                labels.append((name, i, leaves[i].maxDefinition))
            }
        }
        self.labels = labels
        locationPrefix = Array("\(path)#row ".utf8)
        labelIsURL = labels.map { $0.0 == "url" }
        labelPrefixes = labels.map { Array(($0.0 == "url" ? " <" : " \($0.0)=").utf8) }
        for (g, group) in metadata.rowGroups.enumerated() where group.columns.count != leaves.count {
            throw InputError(.malformed, path: path, "\(path): row group \(g) has \(group.columns.count) column chunks, the schema \(leaves.count) leaf columns: corrupt footer")
        }
        let read = [index] + labels.map(\.1)
        largestChunk = metadata.rowGroups.lazy.flatMap { group in read.lazy.map { Int(group.columns[$0].totalCompressedSize) } }
            .filter { $0 >= 0 && $0 <= size }.max() ?? 0
    }

    static func show(_ bytes: [UInt8]) -> String {
        "\"" + bytes.map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined() + "\""
    }

    static func read(_ fd: Int32, _ path: String, at offset: Int64, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        try buffer.withUnsafeMutableBytes { try read(fd, path, at: offset, into: $0) }
        return buffer
    }

    static func read(_ fd: Int32, _ path: String, at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws {
        let done = try InputError.reading { () throws(FileIOError) in try FileIO.read(fd, at: offset, into: buffer, path: path) }
        if done < buffer.count {
            throw InputError(.truncated, path: path, byteOffset: Int(offset) + done, "\(path): the file ends at byte \(offset + Int64(done)), expected \(buffer.count - done) more bytes (truncated?)")
        }
    }

    /// A reader of column `column` of row group `group`, after checking what it needs.
    mutating func columnReader(group: Int, column: Int, definition: Int) throws -> ParquetColumnReader {
        let chunk = metadata.rowGroups[group].columns[column]
        let at = "\(path): row group \(group), column \"\(leafNames[column])\""
        guard chunk.filePath == nil else { throw InputError(.unsupported, path: path, "\(at): its data is in another file (\(chunk.filePath!)); such files are not supported") }
        guard !chunk.encrypted else { throw InputError(.unsupported, path: path, "\(at) is encrypted; encrypted Parquet files are not supported") }
        guard chunk.hasMetadata else { throw InputError(.malformed, path: path, "\(at) has no column metadata (encrypted or corrupt footer)") }
        guard ParquetCodec.isSupported(chunk.codec) else {
            throw InputError(.unsupported, path: path, "\(at): compression codec \(ParquetMetadata.codecName(chunk.codec)) is not supported (supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD); rewrite the file with one of those, e.g. pyarrow.parquet.write_table(..., compression=\"zstd\")")
        }
        let start = chunk.start, length = chunk.totalCompressedSize
        guard start >= 4, length >= 0, start + length <= size - 8 else {
            throw InputError(.truncated, path: path, byteOffset: Int(start), "\(at): its pages (bytes \(start)…\(start + length)) lie outside the file's \(size) bytes of data: the file is truncated or the footer corrupt")
        }
        guard let type = ParquetMetadata.PhysicalType(rawValue: chunk.type), type == leafTypes[column] else {
            throw InputError(.malformed, path: path, "\(at): the column chunk's type \(chunk.type) differs from the schema's: corrupt footer")
        }
        var bytes = spareChunks.popLast() ?? []
        if bytes.count < Int(length) {
            bytes = []
            // Uninitialized (UInt8 is trivial): only the `length` bytes read below are ever read.
            let capacity = max(Int(length), largestChunk)
            bytes = [UInt8](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }
        }
        try bytes.withUnsafeMutableBytes { try Self.read(file.fd, path, at: start, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<Int(length)])) }
        return ParquetColumnReader(chunk: bytes, chunkEnd: Int(length), fileOffset: start, codec: chunk.codec, type: type, maxDefinition: definition,
                                   totalValues: Int(chunk.numValues), zstd: zstd, page: sparePages.popLast() ?? [])
    }

    /// The next row, or nil after the last.
    public mutating func next() throws -> Row? {
        while rowsLeftInGroup == 0 {
            rowGroup += 1
            guard rowGroup < metadata.rowGroups.count else { text = nil; labelReaders = []; spareChunks = []; sparePages = []; return nil }
            // The finished row group's chunk and page buffers are reused for the next one.
            spareChunks = labelReaders.reversed().map(\.chunk) + (text.map { [$0.chunk] } ?? [])
            sparePages = labelReaders.reversed().map(\.page) + (text.map { [$0.page] } ?? [])
            text = nil
            labelReaders = []
            rowsLeftInGroup = metadata.rowGroups[rowGroup].numRows
            if rowsLeftInGroup == 0 { continue }
            text = try columnReader(group: rowGroup, column: textColumn, definition: textDefinition)
            labelReaders = try labels.map { try columnReader(group: rowGroup, column: $0.column, definition: $0.definition) }
        }
        let value: [UInt8]??
        do { value = try text!.next() } catch let error as ParquetColumnReader.ParquetError {
            throw InputError(.malformed, path: path, record: row, "\(path): row group \(rowGroup), column \"\(columnName)\", row \(row): \(error)")
        }
        guard let value else {
            throw InputError(.truncated, path: path, "\(path): row group \(rowGroup), column \"\(columnName)\" ends after fewer values than the row group's \(metadata.rowGroups[rowGroup].numRows) rows: corrupt file")
        }
        // The label is assembled as bytes and made a String once: interpolating and appending
        // Strings per row cost 6% of the read (perf, 310,947 rows).
        // One scratch buffer for every row (a new one per row was one more allocation each).
        var location = locationScratch
        locationScratch = []
        defer { locationScratch = location }
        location.removeAll(keepingCapacity: true)
        location += locationPrefix
        DecimalText.append(row, to: &location)
        for k in labelReaders.indices {
            let start = location.count
            location += labelPrefixes[k]
            let present: Bool?
            do { present = try labelReaders[k].appendNext(to: &location, limit: 256) } catch let error as ParquetColumnReader.ParquetError {
                throw InputError(.malformed, path: path, record: row, "\(path): row group \(rowGroup), column \"\(labels[k].name)\", row \(row): \(error)")
            }
            guard present == true else { location.removeSubrange(start...); continue }
            // Line breaks become spaces.
            location.withUnsafeMutableBufferPointer { all in
                for i in (start + labelPrefixes[k].count)..<all.count where all[i] == 0x0A || all[i] == 0x0D { all[i] = 0x20 }
            }
            if labelIsURL[k] { location.append(0x3E) }  // ">"
        }
        rowsLeftInGroup -= 1
        row += 1
        return Row(text: value, location: String(decoding: location, as: UTF8.self))
    }
}
