/// A repair a reader made to a record's payload so that its text could be kept rather than
/// dropped: counted by `tokenmill shard` (summary, `--json` "payload_repairs", manifest.json
/// "repairs.payload"). docs/shard-format.md lists every key.
public enum PayloadRepair: String, Hashable, Sendable, CaseIterable {
    /// An HTTP body with `Content-Encoding: gzip` (or `x-gzip`) decompressed.
    case contentEncodingGzip = "content_encoding_gzip"
    /// An HTTP body with `Content-Encoding: deflate` (zlib, or raw deflate as some servers send) decompressed.
    case contentEncodingDeflate = "content_encoding_deflate"
    /// `Transfer-Encoding: chunked` on a body that holds no chunk framing (the archiver stored it
    /// de-chunked but kept the header): the body is used as it is, as warcio does.
    case chunkedHeaderOnPlainBody = "chunked_header_on_plain_body"
    /// A declared charset other than UTF-8 (HTTP Content-Type or HTML meta) on a body that is
    /// valid UTF-8 with non-ASCII text: mislabelled, so read as UTF-8 and not decoded.
    case declaredCharsetIgnoredForUTF8 = "declared_charset_ignored_for_utf8"
}
