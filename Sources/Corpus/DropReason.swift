import Cleaning

/// Why a record or document is not kept: the one list of the keys under which `tokenmill shard`
/// counts drops (summary lines, `--json` "dropped", manifest.json "dropped"). Readers return a
/// record that holds no document by design (a WARC request record, a Parquet null) as a
/// `Document` with a reason; `ShardJob` adds the reasons found while cleaning, filtering and
/// deduplicating. docs/shard-format.md lists every key.
public enum DropReason: Hashable, Sendable, CustomStringConvertible {
    // Readers.
    /// A Parquet row whose text is null.
    case nullText
    /// A WET record other than `conversion` (the `warcinfo` that opens every Common Crawl WET file).
    case wetRecord(type: String)
    /// A WARC record whose type holds no document (`request`, `metadata`, `revisit`, `warcinfo`, …).
    case warcRecord(type: String)
    /// A WARC `response` record whose payload is not an HTTP message (WARC Content-Type other than
    /// `application/http`, such as `text/dns`, or no HTTP header block).
    case nonHTTPPayload
    /// A payload whose Content-Type is neither HTML nor plain text (images, PDF, scripts, …).
    case nonTextContent
    /// An HTTP body in a Content-Encoding there is no decoder for (br, compress, …).
    case unsupportedContentEncoding
    /// A gzip or deflate HTTP body that does not decode, or decodes to more than the limit.
    case corruptContentEncoding
    /// An HTTP body with `Transfer-Encoding: chunked` whose chunks are broken (bad size line,
    /// missing CRLF, cut short, no last chunk).
    case malformedChunkedEncoding
    /// A record the reader could not parse (a bad JSONL line).
    case malformedRecord
    // Inputs.
    /// An input that could not be opened or hashed.
    case unreadableInput
    /// An input that failed part-way (damaged compression, a WARC length that is wrong).
    case inputError
    // Cleaning and filtering.
    case unsupportedEncoding
    case invalidUTF8
    /// More U+FFFD repairs than `--max-replacement-ratio` of its characters.
    case tooManyReplacements
    /// Nothing but whitespace after cleaning.
    case empty
    /// Fewer characters than `--min-chars`.
    case tooShort
    /// An exact duplicate of a kept document.
    case duplicate
    /// A `--filters` step: a quality filter's rule, or MinHash near-duplicate removal.
    case cleaning(CleaningRule)

    /// The snake_case key in reports and manifest.json.
    public var key: String {
        switch self {
        case .nullText: "null_text"
        case .wetRecord(let type): "wet_\(type)_record"
        case .warcRecord(let type): "warc_\(type)_record"
        case .nonHTTPPayload: "non_http_payload"
        case .nonTextContent: "non_text_content"
        case .unsupportedContentEncoding: "unsupported_content_encoding"
        case .corruptContentEncoding: "corrupt_content_encoding"
        case .malformedChunkedEncoding: "malformed_chunked_encoding"
        case .malformedRecord: "malformed_record"
        case .unreadableInput: "unreadable_input"
        case .inputError: "input_error"
        case .unsupportedEncoding: "unsupported_encoding"
        case .invalidUTF8: "invalid_utf8"
        case .tooManyReplacements: "too_many_replacements"
        case .empty: "empty"
        case .tooShort: "too_short"
        case .duplicate: "duplicate"
        case .cleaning(let rule): rule.description
        }
    }

    public var description: String { key }
}
