/// The two parts of a shard set: `tokenmill shard --val-fraction` sends a document to `val` by its
/// content hash and every other one to `train`; `tokenmill import` takes its inputs for `train`
/// and its `--val` inputs for `val`.
///
/// The raw value is the name everywhere it is written: shard file names (`train-000000.tms`),
/// manifest.json's `splits` object and each shard's `split` field, export file names
/// (`val.bin`), and every CLI summary. `CodingKeyRepresentable` keeps `[DataSplit: SplitTotals]`
/// a JSON object keyed by those names (without it, `JSONEncoder` writes a dictionary with
/// non-`String` keys as a flat array of keys and values), so manifests keep their bytes.
public enum DataSplit: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable, Comparable, CustomStringConvertible {
    case train
    case val

    /// Parses a split name as the CLI and file names spell it.
    /// - Throws: `ShardError` naming the expected values and what was found.
    public init(parsing name: String) throws {
        guard let split = DataSplit(rawValue: name) else {
            throw ShardError("split \"\(name)\": expected train or val")
        }
        self = split
    }

    /// By name, as the strings sorted before the enum existed (`train` < `val`), so listings keep
    /// their order.
    public static func < (a: DataSplit, b: DataSplit) -> Bool { a.rawValue < b.rawValue }

    public var description: String { rawValue }
}
