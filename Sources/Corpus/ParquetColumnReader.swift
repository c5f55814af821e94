import TokenmillSupport

/// Reads the values of one flat column chunk of one row group, a data page at a time into a
/// `ParquetBatch` (the text column) or one row at a time (the label columns): it walks the
/// chunk's pages (an optional dictionary page, then data pages v1 or v2), decompresses each page
/// when it is reached, decodes its definition levels (RLE/bit-packed hybrid; level 0 = null) and
/// its values (PLAIN, or RLE_DICTIONARY / PLAIN_DICTIONARY indices into the dictionary page).
/// Memory: the chunk's compressed bytes, the dictionary, and one decompressed page.
///
/// Values are byte strings: BYTE_ARRAY values as stored, INT32/INT64 values as their decimal
/// text (for `id`-like label columns). Errors are `ParquetError`s that the caller completes with
/// the file, row group and column.
struct ParquetColumnReader {
    struct ParquetError: Error, CustomStringConvertible {
        let description: String
        /// The row, in the batch being read, that the error concerns (nil: the batch's first).
        var row: Int? = nil
    }

    /// The column chunk's bytes are `chunk[0..<chunkEnd]`; the buffer may be longer, reused
    /// from an earlier row group (a new one per row group cost 9% of a read in page faults and
    /// zero-filling: perf, 350 MB zstd file).
    let chunk: [UInt8]
    let chunkEnd: Int
    /// File offset of `chunk[0]`, for messages.
    let fileOffset: Int64
    let codec: Int32
    let type: ParquetMetadata.PhysicalType
    let maxDefinition: Int
    let totalValues: Int
    /// The file's one zstd context (a context per page cost its tables' set-up every page).
    let zstd: ZstdDecoder

    var position = 0          // next page header in `chunk`
    var valuesRead = 0        // values (nulls included) of finished pages and the current one
    /// The dictionary page's values back to back: value i is `dictionary.bytes[offsets[i]..<offsets[i + 1]]`.
    /// Flat rather than one array per value, so that reading a dictionary value per row (the `id`
    /// labels) neither retains nor releases an array.
    var dictionary: (bytes: [UInt8], offsets: [Int])? = nil

    /// Dictionary value `index` (checked against the dictionary's size when the page was read).
    @inline(__always) func withDictionaryValue<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let (bytes, offsets) = dictionary!
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[offsets[index]..<offsets[index + 1]])) }
    }

    // The current data page: `page[0..<pageEnd]`. The buffer is reused from page to page and,
    // through `ParquetReader`, from row group to row group (a new array per page cost page
    // faults on every one: perf, 350 MB zstd file).
    var page: [UInt8] = []
    var pageEnd = 0
    var pageValues = 0        // values (nulls included) in the page
    var pageIndex = 0         // next value of the page
    var definitions: [UInt32]? = nil
    var indices: [UInt32]? = nil
    var indexCursor = 0
    var plainCursor = 0       // next PLAIN value in `page`
    var pageStart: Int64 = 0  // file offset of the current page's header, for messages

    init(chunk: [UInt8], chunkEnd: Int? = nil, fileOffset: Int64, codec: Int32, type: ParquetMetadata.PhysicalType, maxDefinition: Int, totalValues: Int,
         zstd: ZstdDecoder, page: [UInt8] = []) {
        self.chunk = chunk
        self.zstd = zstd
        self.page = page
        self.chunkEnd = chunkEnd ?? chunk.count
        self.fileOffset = fileOffset
        self.codec = codec
        self.type = type
        self.maxDefinition = maxDefinition
        self.totalValues = totalValues
    }

    func fail(_ what: String, row: Int? = nil) -> ParquetError { ParquetError(description: what, row: row) }

    /// Where the next row's value is, without copying it.
    enum Value {
        case null
        case dictionary(Int)
        /// A BYTE_ARRAY value: `page[range]`.
        case plain(Range<Int>)
        case integer(Int64)
    }

    /// The next row's value (the one decoding step of `appendLabel`), nil after
    /// the last value.
    mutating func nextValue() throws -> Value? {
        while pageIndex == pageValues {
            if valuesRead >= totalValues { return nil }
            try readPage()
        }
        let row = pageIndex
        pageIndex += 1
        if let definitions, definitions[row] < UInt32(maxDefinition) { return .null }
        if let indices {
            guard indexCursor < indices.count else { throw fail("page at byte \(pageStart) has fewer dictionary indices than non-null values") }
            let index = Int(indices[indexCursor])
            indexCursor += 1
            return .dictionary(index)
        }
        var cursor = plainCursor
        let value = try plainValue(page, at: &cursor, end: pageEnd)
        plainCursor = cursor
        return value
    }

    /// The most bytes of dictionary values gathered into one batch (a batch then ends early and
    /// the next one goes on in the same page). A dictionary page's values may be referenced any
    /// number of times: without a bound, a page of a million indices to a 1 MB value would ask
    /// for a terabyte. PLAIN pages are read in place and need none.
    static let gatherLimit = 64 << 20

    /// Reads the rest of the current data page, or the next one, into `batch` (the text
    /// column's path; `ParquetReader.nextBatch`): ranges, null bitmap and counts; false after
    /// the last page. A PLAIN page's buffer is swapped into `batch.bytes` (no copy: the codec
    /// wrote the values where the batch reads them) and the batch's old buffer becomes the next
    /// page's; a dictionary page's values are copied into `batch.bytes` (at most `gatherLimit`
    /// bytes of them, or one value). Sets `batch.count`, `bytes`, `starts`, `ends`, `validity`,
    /// `nullCount` and `valueBytes`. Errors carry the index in the batch of the row they concern
    /// (`ParquetError.row`).
    mutating func readBatch(into batch: inout ParquetBatch) throws -> Bool {
        while pageIndex == pageValues {
            if valuesRead >= totalValues { return false }
            try readPage()
        }
        let first = pageIndex
        var n = pageValues - pageIndex
        batch.starts.removeAll(keepingCapacity: true)
        batch.ends.removeAll(keepingCapacity: true)
        // Not `n`, which a corrupt header may make 2^31: the arrays grow as values are found,
        // and keep their capacity from batch to batch.
        batch.starts.reserveCapacity(min(n, 1 << 16))
        batch.ends.reserveCapacity(min(n, 1 << 16))
        let levels = definitions, full = UInt32(maxDefinition)
        var nulls = 0, total = 0
        if let indices {
            // Dictionary indices: the values are gathered from the dictionary, back to back.
            let (values, offsets) = dictionary!
            var cursor = indexCursor, k = 0
            while k < n {
                if let levels, levels[first + k] < full {
                    batch.starts.append(total); batch.ends.append(total)
                    nulls += 1; k += 1
                    continue
                }
                guard cursor < indices.count else {
                    throw fail("page at byte \(pageStart) has fewer dictionary indices than non-null values", row: k)
                }
                let index = Int(indices[cursor])
                let length = offsets[index + 1] - offsets[index]
                if k > 0 && total + length > Self.gatherLimit { break }
                cursor += 1
                batch.starts.append(total)
                total += length
                batch.ends.append(total)
                k += 1
            }
            n = k
            if batch.bytes.count < total {
                batch.bytes = []
                // Uninitialized (UInt8 is trivial): every byte of 0..<total is written below.
                batch.bytes = [UInt8](unsafeUninitializedCapacity: total) { _, count in count = total }
            }
            var next = indexCursor
            batch.bytes.withUnsafeMutableBufferPointer { out in
                values.withUnsafeBufferPointer { dictionary in
                    for k in 0..<n where levels == nil || levels![first + k] == full {
                        let index = Int(indices[next])
                        next += 1
                        out.baseAddress!.advanced(by: batch.starts[k]).update(from: dictionary.baseAddress! + offsets[index], count: batch.ends[k] - batch.starts[k])
                    }
                }
            }
            indexCursor = cursor
        } else {
            guard type == .byteArray else { throw fail("physical type \(type) is not a text column") }
            // PLAIN BYTE_ARRAY values: a 4-byte little-endian length, then the bytes. The lengths
            // are read here rather than through `plainValue` per value (a call and an array
            // retain each: 4% of a read, perf); a value that does not fit goes through
            // `plainValue`, whose error says what is wrong.
            var cursor = plainCursor
            let end = pageEnd
            var bad: Int? = nil
            page.withUnsafeBytes { raw in
                for k in 0..<n {
                    if let levels, levels[first + k] < full {
                        batch.starts.append(cursor); batch.ends.append(cursor)
                        nulls += 1
                        continue
                    }
                    guard end - cursor >= 4 else { bad = k; return }
                    let length = Int(raw.readLE(UInt32.self, at: cursor))
                    guard end - cursor - 4 >= length else { bad = k; return }
                    batch.starts.append(cursor + 4)
                    cursor += 4 + length
                    batch.ends.append(cursor)
                    total += length
                }
            }
            if let bad {
                do { _ = try plainValue(page, at: &cursor, end: end) } catch let error as ParquetError { throw fail(error.description, row: bad) }
                preconditionFailure("plainValue accepted the value that the batch loop refused")
            }
            plainCursor = cursor
            swap(&batch.bytes, &page)
            pageEnd = 0
        }
        pageIndex = first + n
        batch.count = n
        batch.nullCount = nulls
        batch.validity.removeAll(keepingCapacity: true)
        if nulls > 0, let levels {
            batch.validity.append(contentsOf: repeatElement(0, count: (n + 7) / 8))
            for k in 0..<n where levels[first + k] == full { batch.validity[k >> 3] |= 1 << UInt8(k & 7) }
        }
        batch.valueBytes = total
        return true
    }

    /// Appends the next row's value to `labels` (at most `ParquetBatch.labelLimit` bytes, line
    /// breaks made spaces), absent for a null or after the column's last value.
    mutating func appendLabel(to labels: inout ParquetBatch.Labels) throws {
        let start = labels.bytes.count
        switch try nextValue() {
        case nil, .null?:
            labels.present.append(false)
            labels.offsets.append(start)
            return
        case .dictionary(let index)?:
            withDictionaryValue(index) { labels.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0.prefix(ParquetBatch.labelLimit))) }
        case .plain(let range)?:
            page.withUnsafeBufferPointer { labels.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range.prefix(ParquetBatch.labelLimit)])) }
        case .integer(let value)?:
            // Digits without a String (the limit cannot cut an integer's 20 digits and sign).
            if value >= 0 { DecimalText.append(UInt64(value), to: &labels.bytes) } else {
                labels.bytes.append(0x2D)  // "-"
                DecimalText.append(value.magnitude, to: &labels.bytes)
            }
        }
        labels.bytes.withUnsafeMutableBufferPointer { all in
            for i in start..<all.count where all[i] == 0x0A || all[i] == 0x0D { all[i] = 0x20 }
        }
        labels.present.append(true)
        labels.offsets.append(labels.bytes.count)
    }

    /// One PLAIN value at `cursor` in `bytes`: a BYTE_ARRAY's range in `bytes`, or an integer.
    func plainValue(_ bytes: [UInt8], at cursor: inout Int, end: Int) throws -> Value {
        switch type {
        case .byteArray:
            guard end - cursor >= 4 else { throw fail("page at byte \(pageStart): a PLAIN BYTE_ARRAY length runs past the end of the page") }
            let length = Int(bytes.readLE32(cursor))
            cursor += 4
            guard end - cursor >= length else {
                throw fail("page at byte \(pageStart): a PLAIN BYTE_ARRAY value of \(length) bytes runs past the end of the page (\(end - cursor) bytes left)")
            }
            defer { cursor += length }
            return .plain(cursor..<(cursor + length))
        case .int32, .int64:
            let width = type == .int32 ? 4 : 8
            guard end - cursor >= width else { throw fail("page at byte \(pageStart): a PLAIN integer runs past the end of the page") }
            defer { cursor += width }
            return .integer(width == 4 ? Int64(Int32(bitPattern: bytes.readLE32(cursor))) : Int64(bitPattern: bytes.readLE64(cursor)))
        default:
            throw fail("physical type \(type) is not supported")
        }
    }

    /// Reads page headers until a data page, decoding a dictionary page on the way.
    mutating func readPage() throws {
        while true {
            guard position < chunkEnd else {
                throw fail("the column chunk ends after \(valuesRead) of its \(totalValues) values (truncated or corrupt file?)")
            }
            pageStart = fileOffset + Int64(position)
            let parsed: (header: ParquetPageHeader, dataStart: Int)
            let start = position
            do {
                parsed = try chunk.withUnsafeBytes { [chunkEnd] all in
                    var r = ThriftCompactReader(UnsafeRawBufferPointer(rebasing: all[0..<chunkEnd]), position: start)
                    let h = try ParquetPageHeader(&r)
                    return (h, r.position)
                }
            } catch let error as ThriftCompactReader.ThriftError {
                throw fail("corrupt page header at byte \(pageStart): \(error)")
            }
            let header = parsed.header, dataStart = parsed.dataStart
            let size = Int(header.compressedSize)
            guard header.compressedSize >= 0, header.uncompressedSize >= 0, size <= chunkEnd - dataStart else {
                throw fail("page at byte \(pageStart) declares \(header.compressedSize) bytes but the column chunk has \(chunkEnd - dataStart) left (truncated or corrupt file?)")
            }
            position = dataStart + size
            let body = dataStart..<(dataStart + size)
            if let crc = header.crc {
                let actual = chunk.withUnsafeBytes { CRC32.of(UnsafeRawBufferPointer(rebasing: $0[body])) }
                guard UInt32(bitPattern: crc) == actual else {
                    throw fail("page at byte \(pageStart) fails its CRC-32 check (stored \(String(UInt32(bitPattern: crc), radix: 16)), computed \(String(actual, radix: 16))): the file is corrupt")
                }
            }
            switch header.type {
            case 2:
                try readDictionary(header, body)
            case 0, 3:
                try readDataPage(header, body)
                return
            default:
                continue  // index pages and unknown page types carry no values
            }
        }
    }

    /// Decompresses `chunk[range]` (with `codec`, default the chunk's) into `output`, whose size
    /// is the page's decompressed size; errors name the page.
    func decompress(_ range: Range<Int>, codec: Int32? = nil, into output: UnsafeMutableRawBufferPointer) throws {
        do {
            try chunk.withUnsafeBytes { try ParquetCodec.decompress(codec ?? self.codec, UnsafeRawBufferPointer(rebasing: $0[range]), into: output, decoder: zstd) }
        } catch let error as ParquetCodec.CodecError {
            throw fail("page at byte \(pageStart): \(error)")
        } catch let error as CompressionError {
            throw fail("page at byte \(pageStart): \(error)")
        }
    }

    /// `chunk[range]` decompressed into a new array of `size` bytes (a dictionary page, which
    /// outlives the data pages).
    func decompress(_ range: Range<Int>, size: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            try decompress(range, into: UnsafeMutableRawBufferPointer(buffer))
            count = size
        }
    }

    /// Decompresses `chunk[range]` into the page buffer as `page[0..<size]`, growing the buffer
    /// when the page is larger than any before it.
    mutating func decompressPage(_ range: Range<Int>, size: Int, codec: Int32? = nil) throws {
        // Taken out of `self` while it is written, so that `decompress` may read `self`.
        var buffer = page
        page = []
        pageEnd = 0
        if buffer.count < size {
            // Uninitialized bytes (UInt8 is trivial): only `page[0..<pageEnd]`, which the codec
            // has just written, is ever read.
            buffer = [UInt8](unsafeUninitializedCapacity: size) { _, count in count = size }
        }
        defer { page = buffer }
        try buffer.withUnsafeMutableBytes { try decompress(range, codec: codec, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<size])) }
        pageEnd = size
    }

    mutating func readDictionary(_ header: ParquetPageHeader, _ body: Range<Int>) throws {
        guard header.encoding == 0 || header.encoding == 2 else {
            throw fail("dictionary page at byte \(pageStart) uses \(ParquetMetadata.encodingName(header.encoding)); only PLAIN dictionaries are supported")
        }
        let bytes = try decompress(body, size: Int(header.uncompressedSize))
        var values: [UInt8] = [], offsets = [0]
        values.reserveCapacity(bytes.count)
        // Each PLAIN value takes at least 4 bytes (a length prefix or an INT32), so the page
        // bounds the count; a corrupt header's count (up to 2^31) does not.
        offsets.reserveCapacity(min(Int(max(0, header.numValues)), bytes.count / 4) + 1)
        var cursor = 0
        for _ in 0..<max(0, header.numValues) {
            switch try plainValue(bytes, at: &cursor, end: bytes.count) {
            case .plain(let range): values.append(contentsOf: bytes[range])
            case .integer(let value): values.append(contentsOf: String(value).utf8)
            case .null, .dictionary: preconditionFailure("plainValue returns only .plain or .integer")
            }
            offsets.append(values.count)
        }
        dictionary = (values, offsets)
    }

    /// The most values one data page may declare. The page's definition levels and dictionary
    /// indices are decoded into arrays of `UInt32` (4 bytes a value), and RLE lets a few bytes
    /// declare any count, so without a bound a hostile header (2^31 values) would make the reader
    /// allocate 8 GiB. Writers page far below it: pyarrow and parquet-mr close a page at 20,000
    /// rows by default, and older pyarrow at 1 MiB of encoded data; a column of nulls is the only
    /// legitimate way to reach millions of values in one page. 2^26 values bound the two arrays at
    /// 256 MiB each.
    static let maxPageValues = 1 << 26

    mutating func readDataPage(_ header: ParquetPageHeader, _ body: Range<Int>) throws {
        let count = Int(max(0, header.numValues))
        guard count <= totalValues - valuesRead else {
            throw fail("data page at byte \(pageStart) declares \(count) values, but its column chunk has only \(totalValues - valuesRead) of its \(totalValues) values left (corrupt page header or footer)")
        }
        guard count <= Self.maxPageValues else {
            throw fail("data page at byte \(pageStart) declares \(count) values; Tokenmill reads pages of at most \(Self.maxPageValues) values (writers close pages at 20,000 rows by default: rewrite the file with pyarrow's defaults)")
        }
        let levelBytes: [UInt8]
        var valuesOffset = 0
        if header.type == 3 {
            // v2: repetition then definition levels, uncompressed, lengths in the header; then
            // the values, compressed when is_compressed.
            let repetition = Int(header.repetitionLength), definition = Int(header.definitionLength)
            guard repetition >= 0, definition >= 0, repetition + definition <= body.count else {
                throw fail("data page v2 at byte \(pageStart) declares \(repetition + definition) bytes of levels in a page of \(body.count)")
            }
            let levelsEnd = body.lowerBound + repetition + definition
            levelBytes = Array(chunk[(body.lowerBound + repetition)..<levelsEnd])
            let valuesSize = Int(header.uncompressedSize) - repetition - definition
            guard valuesSize >= 0 else {
                throw fail("data page v2 at byte \(pageStart) declares \(header.uncompressedSize) bytes in all but \(repetition + definition) bytes of levels")
            }
            if header.isCompressed && codec != ParquetCodec.uncompressed {
                try decompressPage(levelsEnd..<body.upperBound, size: valuesSize)
            } else {
                try decompressPage(levelsEnd..<body.upperBound, size: body.upperBound - levelsEnd, codec: ParquetCodec.uncompressed)
            }
            definitions = try maxDefinition > 0 ? levels(levelBytes, count: count) : nil
        } else {
            try decompressPage(body, size: Int(header.uncompressedSize))
            if maxDefinition > 0 {
                guard header.definitionEncoding == 3 else {
                    throw fail("data page at byte \(pageStart) encodes definition levels as \(ParquetMetadata.encodingName(header.definitionEncoding)); only RLE is supported")
                }
                guard pageEnd >= 4 else { throw fail("data page at byte \(pageStart) is too short for its definition levels") }
                let length = Int(page.readLE32(0))
                guard length <= pageEnd - 4 else { throw fail("data page at byte \(pageStart): definition levels of \(length) bytes run past the page") }
                definitions = try levels(Array(page[4..<(4 + length)]), count: count)
                valuesOffset = 4 + length
            } else {
                definitions = nil
            }
        }
        let nonNull = definitions.map { d in d.reduce(0) { $0 + ($1 == UInt32(maxDefinition) ? 1 : 0) } } ?? count
        pageValues = count
        pageIndex = 0
        valuesRead += count
        switch header.encoding {
        case 0:
            indices = nil
            plainCursor = valuesOffset
        case 2, 8:
            guard let dictionary else { throw fail("data page at byte \(pageStart) uses a dictionary but the column chunk has no dictionary page") }
            guard valuesOffset < pageEnd || nonNull == 0 else { throw fail("data page at byte \(pageStart) has no dictionary index data") }
            if nonNull == 0 { indices = []; break }
            let bitWidth = Int(page[valuesOffset])
            do {
                indices = try page.withUnsafeBytes {
                    try RLEHybridDecoder.decode(UnsafeRawBufferPointer(rebasing: $0[(valuesOffset + 1)..<pageEnd]), bitWidth: bitWidth, count: nonNull,
                                                limit: UInt32(max(0, dictionary.offsets.count - 2)))
                }
            } catch let error as RLEHybridDecoder.DecodeError {
                throw fail("data page at byte \(pageStart): dictionary indices: \(error)")
            }
            if dictionary.offsets.count < 2 { throw fail("data page at byte \(pageStart) indexes an empty dictionary") }
            indexCursor = 0
        default:
            throw fail("data page at byte \(pageStart) uses the \(ParquetMetadata.encodingName(header.encoding)) encoding; supported: PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY (rewrite the file with pyarrow's defaults, or use_dictionary=True / column_encoding=\"PLAIN\")")
        }
    }

    func levels(_ bytes: [UInt8], count: Int) throws -> [UInt32] {
        let bitWidth = Int.bitWidth - maxDefinition.leadingZeroBitCount
        do {
            return try bytes.withUnsafeBytes { try RLEHybridDecoder.decode($0, bitWidth: bitWidth, count: count, limit: UInt32(maxDefinition)) }
        } catch let error as RLEHybridDecoder.DecodeError {
            throw fail("data page at byte \(pageStart): definition levels: \(error)")
        }
    }
}
