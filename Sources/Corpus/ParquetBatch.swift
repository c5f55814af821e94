import TokenmillSupport

/// The rows of one data page of a Parquet file's text column, as columns: what
/// `ParquetReader.nextBatch(_:)` fills, the counterpart of the Arrow table that
/// `pyarrow.parquet.read_table` builds (offsets into one value buffer, a null bitmap).
///
/// Text values lie in one buffer, `bytes`: value `i` is `bytes[starts[i]..<ends[i]]`. For a page
/// of PLAIN values the buffer is the decompressed page itself (zstd and the other codecs write
/// it in place), so each value is preceded by its 4-byte length and nothing is copied; for a
/// dictionary-encoded page the values are gathered from the dictionary back to back. That is
/// why the batch has a start and an end per value rather than Arrow's single offsets array:
/// making PLAIN values contiguous would be one more pass over every byte.
///
/// Nulls: `validity` has bit `i % 8` of byte `i / 8` set when row `i` has a value (Arrow's
/// order); it is empty when `nullCount` is 0. A null row's range is empty.
///
/// Source labels (`id`, `url`) are kept as columns too, and a row's location string is made
/// only when asked for (`location(_:)`): a consumer that reports no row builds none.
///
/// The buffers are reused from batch to batch when the caller passes the same batch to
/// `nextBatch` again (and keeps no copy of them): no allocation per page once the largest page
/// has been seen, none per row.
public struct ParquetBatch {
    /// The row group the rows belong to, and the (0-based) row of the file of row 0.
    public internal(set) var rowGroup = 0
    public internal(set) var firstRow = 0
    /// Rows in the batch (nulls included).
    public internal(set) var count = 0
    public internal(set) var bytes: [UInt8] = []
    public internal(set) var starts: [Int] = []
    public internal(set) var ends: [Int] = []
    public internal(set) var validity: [UInt8] = []
    public internal(set) var nullCount = 0
    /// Total length of the values (the text bytes of the batch).
    public internal(set) var valueBytes = 0

    /// One label column's values for the batch's rows: value `i` is
    /// `bytes[offsets[i]..<offsets[i + 1]]` (at most `ParquetBatch.labelLimit` bytes, line breaks
    /// made spaces), absent (`present[i] == false`) for a null or a column that ended early.
    struct Labels: Sendable {
        var bytes: [UInt8] = []
        var offsets: [Int] = [0]
        var present: [Bool] = []

        mutating func reset(capacity: Int) {
            bytes.removeAll(keepingCapacity: true)
            offsets.removeAll(keepingCapacity: true)
            offsets.append(0)
            present.removeAll(keepingCapacity: true)
            offsets.reserveCapacity(min(capacity, 1 << 16) + 1)
            present.reserveCapacity(min(capacity, 1 << 16))
        }
    }

    /// What a row's location is made of: the file, the batch's first row and the label columns.
    /// Kept apart from the text so that a `Document` can hold it (`ParquetLocations`) and make
    /// its location string only when asked for, without holding on to the page.
    struct LocationParts: Sendable {
        var firstRow = 0
        var labels: [Labels] = []
        /// `path#row ` and, per label column, ` <` (url) or ` name=`, as UTF-8 (set by the reader).
        var prefix: [UInt8] = []
        var labelPrefixes: [[UInt8]] = []
        var labelIsURL: [Bool] = []

        /// Row `i`'s location, appended to `out` (see `ParquetBatch.location`).
        func append(_ i: Int, to out: inout [UInt8]) {
            out += prefix
            DecimalText.append(firstRow + i, to: &out)
            for k in labels.indices where labels[k].present[i] {
                out += labelPrefixes[k]
                labels[k].bytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[labels[k].offsets[i]..<labels[k].offsets[i + 1]])) }
                if labelIsURL[k] { out.append(0x3E) }  // ">"
            }
        }

        /// Row `i`'s location as a string.
        func string(_ i: Int) -> String {
            var out: [UInt8] = []
            append(i, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The longest label value kept, in bytes.
    static let labelLimit = 256

    var parts = LocationParts()

    public init() {}

    /// Whether row `i` is null.
    @inlinable public func isNull(_ i: Int) -> Bool {
        nullCount > 0 && validity[i >> 3] & (1 << UInt8(i & 7)) == 0
    }

    /// Calls `body` with row `i`'s text (empty for a null: ask `isNull`), in place.
    @inlinable public func withValue<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[starts[i]..<ends[i]])) }
    }

    /// Row `i`'s text as a new array (one `memcpy`), nil for a null.
    public func value(_ i: Int) -> [UInt8]? {
        isNull(i) ? nil : withValue(i) { Array($0) }
    }

    /// Row `i`'s source label: `path#row N` (N the row in the file, from 0), then ` id=…` and
    /// ` <url>` for the label columns that have a value in that row.
    public func location(_ i: Int) -> String { parts.string(i) }

    /// `location(i)`'s bytes appended to `out`.
    public func appendLocation(_ i: Int, to out: inout [UInt8]) {
        parts.append(i, to: &out)
    }
}

/// The location parts of one batch, shared by the `Document`s made from its rows: each
/// document holds this and its row, and makes its location string when it is read (a report of
/// a dropped document, `clean`'s `source`), not for every row read.
final class ParquetLocations: Sendable {
    let parts: ParquetBatch.LocationParts
    init(_ parts: ParquetBatch.LocationParts) { self.parts = parts }

    func location(_ i: Int) -> String { parts.string(i) }
}
