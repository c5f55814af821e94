import Foundation

/// The one JSON writer of the package: every manifest, report, checkpoint file, `--json`
/// summary and streamed JSON line is written through it.
///
/// Documents (`encode`, `serialize`) go through Foundation's `JSONEncoder` and
/// `JSONSerialization`, configured here by a `Style`; streamed lines and JSON text built by hand
/// (vocabulary files, JSON Lines records, `tokenmill split`'s pieces, metrics lines, JSON paths
/// in error messages) use `appendString` / `quoted`, which escape a string straight from its
/// UTF-8 bytes.
///
/// The escaping rule is serde_json's, which is also what Foundation writes with
/// `.withoutEscapingSlashes` and what Python's `json.dumps(..., ensure_ascii=False)` writes:
/// `"` and `\` are escaped, `\n` `\r` `\t` `\b` `\f` get their short forms, the other control
/// characters U+0000–U+001F become `\u00xx` (lowercase hex), and everything else, non-ASCII
/// included, is copied as UTF-8. "/" is copied too, except in the styles that keep Foundation's
/// default (`\/`), which `escapingSlashes` reproduces. Checked byte for byte against
/// `JSONSerialization` for every ASCII character and a sample of non-ASCII ones
/// (`JSONOutputTests`).
///
/// Why several styles rather than one: each style is the exact bytes an existing file or
/// output already has (manifests compared across runs, committed fixtures, checkpoint
/// checksums, scripts that read `--json`), so unifying them would change those bytes. The
/// styles are listed here, with where each is used, so that no writer configures its own.
public enum JSONOutput {
    /// How a document is laid out. Keys are always sorted in the public styles.
    public struct Style: Sendable, Equatable {
        /// Indented over several lines (Foundation's `prettyPrinted`: two spaces, `"key" : value`).
        public var indented: Bool
        /// Keys sorted: `JSONEncoder` sorts by code units, `JSONSerialization` by Foundation's
        /// numeric, case-insensitive comparison (so `h.2` before `h.10`).
        public var sortedKeys: Bool
        /// Swift property names written in snake_case (`JSONEncoder` only; `serialize` writes the
        /// keys it is given).
        public var snakeCaseKeys: Bool
        /// "/" written as `\/` (Foundation's default) instead of as is.
        public var escapesSlashes: Bool

        public init(indented: Bool, sortedKeys: Bool, snakeCaseKeys: Bool, escapesSlashes: Bool) {
            self.indented = indented
            self.sortedKeys = sortedKeys
            self.snakeCaseKeys = snakeCaseKeys
            self.escapesSlashes = escapesSlashes
        }

        /// The project's documents: `manifest.json`, the cleaning report, `report.json` of the
        /// quickstart. Indented, sorted, snake_case, "/" as is.
        public static let document = Style(indented: true, sortedKeys: true, snakeCaseKeys: true, escapesSlashes: false)
        /// One document per line: the shard journal, `normalize --json`, the quickstart's
        /// normalized records. Sorted, snake_case, "/" as is.
        public static let line = Style(indented: false, sortedKeys: true, snakeCaseKeys: true, escapesSlashes: false)
        /// The CLI's one-line `--json` summaries (`shard`, `clean`, `inspect`, `export`,
        /// `import`, `pretrain`, `train-tokenizer`) and the safetensors header: sorted,
        /// snake_case, "/" as `\/` (as they were first written).
        public static let summary = Style(indented: false, sortedKeys: true, snakeCaseKeys: true, escapesSlashes: true)
        /// Checkpoint files read back by `JSONDecoder` with Swift's names (`trainer.json`) and
        /// the Hugging Face `config.json`: indented, sorted, keys as given, "/" as `\/`.
        public static let checkpoint = Style(indented: true, sortedKeys: true, snakeCaseKeys: false, escapesSlashes: true)
        /// Machine state on one line (`loader.json`): sorted, keys as given, "/" as `\/`.
        public static let state = Style(indented: false, sortedKeys: true, snakeCaseKeys: false, escapesSlashes: true)
        /// Bytes only this program reads back, in encoding order (the GPT state file's config,
        /// the counts message between ranks): Foundation's defaults.
        public static let internalMessage = Style(indented: false, sortedKeys: false, snakeCaseKeys: false, escapesSlashes: true)
    }

    /// `value` as JSON in `style`. O(size of the value).
    public static func encode<T: Encodable>(_ value: T, _ style: Style) throws -> Data {
        let encoder = JSONEncoder()
        var formatting: JSONEncoder.OutputFormatting = []
        if style.indented { formatting.insert(.prettyPrinted) }
        if style.sortedKeys { formatting.insert(.sortedKeys) }
        if !style.escapesSlashes { formatting.insert(.withoutEscapingSlashes) }
        encoder.outputFormatting = formatting
        if style.snakeCaseKeys { encoder.keyEncodingStrategy = .convertToSnakeCase }
        return try encoder.encode(value)
    }

    /// A tree of dictionaries, arrays, strings, numbers, booleans and `NSNull` as JSON in
    /// `style` (its keys are written as given). O(size of the tree).
    public static func serialize(_ object: Any, _ style: Style) throws -> Data {
        var options: JSONSerialization.WritingOptions = []
        if style.indented { options.insert(.prettyPrinted) }
        if style.sortedKeys { options.insert(.sortedKeys) }
        if !style.escapesSlashes { options.insert(.withoutEscapingSlashes) }
        return try JSONSerialization.data(withJSONObject: object, options: options)
    }

    /// `serialize` as text, for a line of output.
    public static func text(_ object: Any, _ style: Style) throws -> String {
        String(decoding: try serialize(object, style), as: UTF8.self)
    }

    @usableFromInline static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `utf8` (valid UTF-8) as a JSON string, with its quotes; "/" as `\/` when
    /// `escapingSlashes`. O(n).
    @inlinable
    public static func appendString<Bytes: Collection<UInt8>>(_ utf8: Bytes, to out: inout [UInt8], escapingSlashes: Bool = false) {
        out.append(0x22)
        for b in utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x2F where escapingSlashes: out.append(0x5C); out.append(0x2F)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x08: out.append(0x5C); out.append(0x62)
            case 0x0C: out.append(0x5C); out.append(0x66)
            case 0..<0x20:
                out.append(0x5C); out.append(0x75); out.append(0x30); out.append(0x30)
                out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    /// `text` as a JSON string literal, with its quotes (`"a\"b"`).
    public static func quoted(_ text: String, escapingSlashes: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        appendString(text.utf8, to: &out, escapingSlashes: escapingSlashes)
        return String(decoding: out, as: UTF8.self)
    }
}
