import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// Reads the text column of a Parquet file (the layout of Hugging Face datasets such as FineWeb),
/// row group by row group, one data page at a time: `nextBatch` hands over a page's rows as
/// columns (`ParquetBatch`: the values in one buffer, their ranges, a null bitmap, the label
/// columns), with no allocation or copy per row; `next` gives them one row at a time, the text
/// in an array of its own and a source label built from the row number and the `id` and `url`
/// columns when the file has them.
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
/// (text and labels), their dictionaries and one decompressed page each (the text column two:
/// the batch's and the one being decompressed next; a batch of dictionary values at most
/// 64 MiB) — never the whole file.
public struct ParquetReader {
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
    /// `next()`'s batch and its next row.
    var batch = ParquetBatch()
    var rowInBatch = 0
    /// The location parts of `batch`, shared with the documents made from its rows.
    var locations: ParquetLocations? = nil

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
    /// Rows read so far (by `nextBatch`): the file row of the next batch's first row.
    public private(set) var row = 0

    /// The Parquet magic, at the start and the end of every file.
    static let magic: [UInt8] = Array("PAR1".utf8)

    /// Opens `path` to read `column`. `labels: false` reads the text column alone (text
    /// extraction only, as `pyarrow.parquet.read_table(columns=[column])`): locations are then
    /// `path#row N` without `id`/`url`.
    public init(path: String, column: String, labels readLabels: Bool = true) throws {
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
        for name in ["id", "url"] where name != column && readLabels {
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

    /// Fills `batch` with the rows of the text column's next data page (see `ParquetBatch`),
    /// with their source labels; false after the last row. Pass the same batch every time, and
    /// keep no copy of its buffers, so that they are reused (decompressed into in place) rather
    /// than copied. A batch never spans row groups.
    public mutating func nextBatch(_ batch: inout ParquetBatch) throws -> Bool {
        while rowsLeftInGroup == 0 {
            rowGroup += 1
            guard rowGroup < metadata.rowGroups.count else { text = nil; labelReaders = []; spareChunks = []; sparePages = []; return false }
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
        let read: Bool
        do { read = try text!.readBatch(into: &batch) } catch let error as ParquetColumnReader.ParquetError {
            throw InputError(.malformed, path: path, record: row + (error.row ?? 0), "\(path): row group \(rowGroup), column \"\(columnName)\", row \(row + (error.row ?? 0)): \(error)")
        }
        guard read else {
            throw InputError(.truncated, path: path, "\(path): row group \(rowGroup), column \"\(columnName)\" ends after fewer values than the row group's \(metadata.rowGroups[rowGroup].numRows) rows: corrupt file")
        }
        guard batch.count <= rowsLeftInGroup else {
            throw InputError(.malformed, path: path, record: row, "\(path): row group \(rowGroup), column \"\(columnName)\", row \(row): a page of \(batch.count) values where the row group has \(rowsLeftInGroup) rows left: corrupt file")
        }
        batch.rowGroup = rowGroup
        batch.firstRow = row
        batch.parts.firstRow = row
        // Set for every batch (a retain each), so that a batch passed to another reader names its file.
        batch.parts.prefix = locationPrefix
        batch.parts.labelPrefixes = labelPrefixes
        batch.parts.labelIsURL = labelIsURL
        if batch.parts.labels.count != labelReaders.count { batch.parts.labels = Array(repeating: ParquetBatch.Labels(), count: labelReaders.count) }
        for k in labelReaders.indices {
            batch.parts.labels[k].reset(capacity: batch.count)
            for i in 0..<batch.count {
                do { try labelReaders[k].appendLabel(to: &batch.parts.labels[k]) } catch let error as ParquetColumnReader.ParquetError {
                    throw InputError(.malformed, path: path, record: row + i, "\(path): row group \(rowGroup), column \"\(labels[k].name)\", row \(row + i): \(error)")
                }
            }
        }
        rowsLeftInGroup -= Int64(batch.count)
        row += batch.count
        return true
    }

    /// The next row as a `Document`, or nil after the last: a row of `nextBatch`'s batches, its
    /// text copied into an array of its own (a null is a `.nullText` drop). Its location is made
    /// when the document's `location` is read: the documents of a batch share its label columns
    /// (`ParquetLocations`) instead of each holding a label string built when it was read.
    public mutating func next() throws -> Document? {
        if rowInBatch == batch.count {
            // Taken out of `self` while it is filled, so that `nextBatch` may change `self`.
            var filled = batch
            batch = ParquetBatch()
            defer { batch = filled }
            rowInBatch = 0
            guard try nextBatch(&filled) else { filled.count = 0; return nil }
            locations = ParquetLocations(filled.parts)
        }
        defer { rowInBatch += 1 }
        let i = rowInBatch
        guard let text = batch.value(i) else { return Document(bytes: [], locations: locations!, row: i, dropReason: .nullText) }
        return Document(bytes: text, locations: locations!, row: i)
    }
}
