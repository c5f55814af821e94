/// The parts of a Parquet file's footer (`FileMetaData` of apache/parquet-format's
/// parquet.thrift) that reading text columns needs: the schema, and per row group the row count
/// and each column chunk's type, codec, encodings and byte range. Decoded from the Thrift
/// compact protocol by `ThriftCompactReader`; fields not listed here are skipped. Field ids are
/// those of parquet.thrift.
struct ParquetMetadata {
    /// Parquet's physical types (parquet.thrift `Type`).
    enum PhysicalType: Int32 {
        case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
    }

    /// parquet.thrift `CompressionCodec`; the names are those of the spec, for messages.
    static func codecName(_ codec: Int32) -> String {
        ["UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"].indices.contains(Int(codec))
            ? ["UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"][Int(codec)] : "codec \(codec)"
    }

    /// parquet.thrift `Encoding`, for messages.
    static func encodingName(_ encoding: Int32) -> String {
        let names = [0: "PLAIN", 2: "PLAIN_DICTIONARY", 3: "RLE", 4: "BIT_PACKED", 5: "DELTA_BINARY_PACKED",
                     6: "DELTA_LENGTH_BYTE_ARRAY", 7: "DELTA_BYTE_ARRAY", 8: "RLE_DICTIONARY", 9: "BYTE_STREAM_SPLIT"]
        return names[Int(encoding)] ?? "encoding \(encoding)"
    }

    struct SchemaElement {
        var type: Int32? = nil            // 1
        var repetition: Int32? = nil      // 3: 0 REQUIRED, 1 OPTIONAL, 2 REPEATED
        var name = ""                     // 4
        var numChildren: Int32? = nil     // 5
        var convertedType: Int32? = nil   // 6: 0 UTF8
        var logicalString = false         // 10: LogicalType with its STRING member (1) set
    }

    /// A leaf column: its schema element and its path from the root.
    struct Column {
        var path: [String]
        var element: SchemaElement
        /// The highest definition level (0: required all the way down) and repetition level.
        var maxDefinition: Int
        var maxRepetition: Int
    }

    struct ColumnChunk {
        var filePath: String? = nil       // ColumnChunk 1: data in another file
        var encrypted = false             // ColumnChunk 8/9
        var type: Int32 = -1              // ColumnMetaData 1
        var encodings: [Int32] = []       // 2
        var path: [String] = []           // 3
        var codec: Int32 = 0              // 4
        var numValues: Int64 = 0          // 5
        var totalCompressedSize: Int64 = 0 // 7
        var dataPageOffset: Int64 = 0     // 9
        var dictionaryPageOffset: Int64? = nil // 11
        var hasMetadata = false

        /// Where the chunk's pages start: the dictionary page when there is one.
        var start: Int64 {
            if let dictionary = dictionaryPageOffset, dictionary > 0, dictionary < dataPageOffset { return dictionary }
            return dataPageOffset
        }
    }

    struct RowGroup {
        var columns: [ColumnChunk] = []   // 1
        var numRows: Int64 = 0            // 3
    }

    var version: Int32 = 0                // 1
    var schema: [SchemaElement] = []      // 2
    var numRows: Int64 = 0                // 3
    var rowGroups: [RowGroup] = []        // 4
    var createdBy: String? = nil          // 6
    var encrypted = false                 // 8: encryption_algorithm (plaintext footer, encrypted columns)

    init(_ bytes: UnsafeRawBufferPointer) throws {
        var r = ThriftCompactReader(bytes)
        try r.readStruct { r, id, type in
            switch (id, type) {
            case (1, .i32): version = try r.i32()
            case (2, .list): try r.readList { r in schema.append(try Self.schemaElement(&r)) }
            case (3, .i64): numRows = try r.i64()
            case (4, .list): try r.readList { r in rowGroups.append(try Self.rowGroup(&r)) }
            case (6, .binary): createdBy = try r.string()
            case (8, .structure): encrypted = true; return false
            default: return false
            }
            return true
        }
    }

    static func schemaElement(_ r: inout ThriftCompactReader) throws -> SchemaElement {
        var e = SchemaElement()
        try r.readStruct { r, id, type in
            switch (id, type) {
            case (1, .i32): e.type = try r.i32()
            case (3, .i32): e.repetition = try r.i32()
            case (4, .binary): e.name = try r.string()
            case (5, .i32): e.numChildren = try r.i32()
            case (6, .i32): e.convertedType = try r.i32()
            case (10, .structure):
                // LogicalType is a union: the member's field id says which (1 = STRING).
                try r.readStruct { r, member, memberType in
                    if member == 1 { e.logicalString = true }
                    try r.skip(memberType)
                    return true
                }
            default: return false
            }
            return true
        }
        return e
    }

    static func rowGroup(_ r: inout ThriftCompactReader) throws -> RowGroup {
        var g = RowGroup()
        try r.readStruct { r, id, type in
            switch (id, type) {
            case (1, .list): try r.readList { r in g.columns.append(try Self.columnChunk(&r)) }
            case (3, .i64): g.numRows = try r.i64()
            default: return false
            }
            return true
        }
        return g
    }

    static func columnChunk(_ r: inout ThriftCompactReader) throws -> ColumnChunk {
        var c = ColumnChunk()
        try r.readStruct { r, id, type in
            switch (id, type) {
            case (1, .binary): c.filePath = try r.string()
            case (3, .structure):
                c.hasMetadata = true
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): c.type = try r.i32()
                    case (2, .list): try r.readList { r in c.encodings.append(try r.i32()) }
                    case (3, .list): try r.readList { r in c.path.append(try r.string()) }
                    case (4, .i32): c.codec = try r.i32()
                    case (5, .i64): c.numValues = try r.i64()
                    case (7, .i64): c.totalCompressedSize = try r.i64()
                    case (9, .i64): c.dataPageOffset = try r.i64()
                    case (11, .i64): c.dictionaryPageOffset = try r.i64()
                    default: return false
                    }
                    return true
                }
            case (8, _), (9, _): c.encrypted = true; return false
            default: return false
            }
            return true
        }
        return c
    }

    /// The leaf columns in file order (the order of every row group's column chunks), with their
    /// levels. Throws when the schema's child counts do not add up.
    func leafColumns() throws -> [Column] {
        var leaves: [Column] = []
        var index = 1
        func walk(count: Int, path: [String], definition: Int, repetition: Int) throws {
            for _ in 0..<count {
                guard index < schema.count else { throw ThriftCompactReader.ThriftError(description: "the schema lists fewer elements than its groups' child counts say") }
                let e = schema[index]
                index += 1
                let d = definition + (e.repetition == 1 || e.repetition == 2 ? 1 : 0)
                let r = repetition + (e.repetition == 2 ? 1 : 0)
                if let children = e.numChildren, children > 0 {
                    try walk(count: Int(children), path: path + [e.name], definition: d, repetition: r)
                } else {
                    leaves.append(Column(path: path + [e.name], element: e, maxDefinition: d, maxRepetition: r))
                }
            }
        }
        guard let root = schema.first else { throw ThriftCompactReader.ThriftError(description: "the schema is empty") }
        try walk(count: Int(root.numChildren ?? 0), path: [], definition: 0, repetition: 0)
        return leaves
    }
}

/// A page header (parquet.thrift `PageHeader` with its data, dictionary and v2 headers).
struct ParquetPageHeader {
    var type: Int32 = -1                 // 1: 0 DATA_PAGE, 1 INDEX_PAGE, 2 DICTIONARY_PAGE, 3 DATA_PAGE_V2
    var uncompressedSize: Int32 = -1     // 2
    var compressedSize: Int32 = -1       // 3
    var crc: Int32? = nil                // 4
    var numValues: Int32 = 0             // data 1, dictionary 1, v2 1
    var encoding: Int32 = 0              // data 2, dictionary 2, v2 4
    var definitionEncoding: Int32 = 3    // data 3 (RLE)
    var numNulls: Int32 = 0              // v2 2
    var definitionLength: Int32 = 0      // v2 5
    var repetitionLength: Int32 = 0      // v2 6
    var isCompressed = true              // v2 7

    /// Reads a header at `r.position`; afterwards `r.position` is the first byte of the page.
    init(_ r: inout ThriftCompactReader) throws {
        try r.readStruct { r, id, type in
            switch (id, type) {
            case (1, .i32): self.type = try r.i32()
            case (2, .i32): uncompressedSize = try r.i32()
            case (3, .i32): compressedSize = try r.i32()
            case (4, .i32): crc = try r.i32()
            case (5, .structure):
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): numValues = try r.i32()
                    case (2, .i32): encoding = try r.i32()
                    case (3, .i32): definitionEncoding = try r.i32()
                    default: return false
                    }
                    return true
                }
            case (7, .structure):
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): numValues = try r.i32()
                    case (2, .i32): encoding = try r.i32()
                    default: return false
                    }
                    return true
                }
            case (8, .structure):
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): numValues = try r.i32()
                    case (2, .i32): numNulls = try r.i32()
                    case (4, .i32): encoding = try r.i32()
                    case (5, .i32): definitionLength = try r.i32()
                    case (6, .i32): repetitionLength = try r.i32()
                    case (7, .boolTrue), (7, .boolFalse): isCompressed = try r.bool()
                    default: return false
                    }
                    return true
                }
            default: return false
            }
            return true
        }
    }
}
