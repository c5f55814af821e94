/// One document read from an input, as raw bytes (not yet validated or normalized).
/// `problem` is set (and `bytes` empty) for a record that could not be read, such as a
/// malformed JSONL line: the caller reports it and goes on with the next record.
public struct Document: Sendable {
    public var bytes: [UInt8]
    /// `path`, `path:line` or `path#record` — where to look. A Parquet row's is made when read
    /// (from its batch's label columns), not when the row is read.
    public var location: String {
        get { parquetRow.map { $0.locations.location($0.row) } ?? storedLocation }
        set { storedLocation = newValue; parquetRow = nil }
    }
    var storedLocation: String
    var parquetRow: (locations: ParquetLocations, row: Int)? = nil
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
        self.storedLocation = location
        self.problem = problem
        self.dropReason = dropReason
    }

    /// Row `row` of the batch whose location parts are `locations`.
    init(bytes: [UInt8], locations: ParquetLocations, row: Int, dropReason: DropReason? = nil) {
        self.bytes = bytes
        storedLocation = ""
        parquetRow = (locations, row)
        self.dropReason = dropReason
    }
}
