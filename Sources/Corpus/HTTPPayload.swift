import CZlib
import Normalizer

/// The text of a WARC record's payload: an HTTP response (`response` records) or a document as
/// it is (`resource` records). What is undone, in order: chunked transfer-encoding, gzip/deflate
/// content-encoding, the declared charset (HTTP Content-Type `charset=`, else an HTML `<meta>`
/// charset in the first 1024 bytes, as HTML5's prescan looks), then HTML → text. Every other
/// case is a `DropReason` (each counted by `shard`), every undoing a `PayloadRepair` or a
/// charset in `decodedFrom`. Memory: the record plus its decoded body, at most
/// `maxDecodedBytes`.
public struct HTTPPayload: Sendable {
    /// The text (UTF-8 unless the declared charset was unknown to ICU or absent and the bytes
    /// are not UTF-8: shard's cleaning then repairs or decodes it as for any input).
    public var text: [UInt8]
    /// The ICU converter the payload was decoded from, when a declared charset was used.
    public var decodedFrom: String?
    public var repairs: [PayloadRepair] = []

    /// A decompressed body larger than this is dropped as `corrupt_content_encoding`: 64 MiB is
    /// over ten times the largest HTML page in the Common Crawl fixtures, and bounds what a
    /// gzip bomb (1 MB → 1 GB of zeros) can take.
    public static let maxDecodedBytes = 64 << 20

    /// A payload's text, or why it has none.
    public enum Outcome { case kept(HTTPPayload), dropped(DropReason) }

    enum Kind { case html, plain }

    /// HTML or plain text by a Content-Type value (lowercased); nil for anything else.
    static func kind(_ contentType: String) -> Kind? {
        if contentType.hasPrefix("text/html") || contentType.hasPrefix("application/xhtml") { return .html }
        if contentType.hasPrefix("text/plain") { return .plain }
        return nil
    }

    /// The payload of a `response` record (`body`, the record's content block) whose WARC
    /// Content-Type is `contentType` (lowercased; empty when absent).
    public static func response(_ body: [UInt8], warcContentType contentType: String) -> Outcome {
        // Response records that hold a document directly (FTP fetches of text files) are read
        // as resource records are; DNS answers (text/dns) and other non-HTTP payloads are not.
        if !contentType.isEmpty && !contentType.hasPrefix("application/http") {
            return kind(contentType) != nil ? resource(body, contentType: contentType) : .dropped(.nonHTTPPayload)
        }
        guard body.starts(with: Array("HTTP/".utf8)), let (end, separator) = headerEnd(body) else { return .dropped(.nonHTTPPayload) }
        let headers = WARCReader.parseHeaders(body[..<end])
        let httpType = headers["content-type"]?.lowercased() ?? ""
        guard let kind = kind(httpType) else { return .dropped(.nonTextContent) }
        var payload = Array(body[(end + separator)...])
        var repairs: [PayloadRepair] = []
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            switch dechunk(payload) {
            case .body(let joined): payload = joined
            case .notChunked: repairs.append(.chunkedHeaderOnPlainBody)
            case .malformed: return .dropped(.malformedChunkedEncoding)
            }
        }
        if let encoding = headers["content-encoding"]?.lowercased(), !encoding.isEmpty, encoding != "identity" {
            switch encoding {
            case "gzip", "x-gzip":
                guard let inflated = inflate(payload, raw: false) else { return .dropped(.corruptContentEncoding) }
                payload = inflated
                repairs.append(.contentEncodingGzip)
            case "deflate":
                // RFC 9110's deflate is zlib-wrapped; some servers send raw deflate.
                guard let inflated = inflate(payload, raw: false) ?? inflate(payload, raw: true) else { return .dropped(.corruptContentEncoding) }
                payload = inflated
                repairs.append(.contentEncodingDeflate)
            default:
                return .dropped(.unsupportedContentEncoding)
            }
        }
        return .kept(text(payload, kind, declared: charsetParameter(httpType), repairs))
    }

    /// The payload of a `resource` record (the document itself), by its WARC Content-Type.
    public static func resource(_ body: [UInt8], contentType: String) -> Outcome {
        guard let kind = kind(contentType) else { return .dropped(.nonTextContent) }
        return .kept(text(body, kind, declared: charsetParameter(contentType), []))
    }

    static func text(_ body: [UInt8], _ kind: Kind, declared: String?, _ repairs: [PayloadRepair]) -> HTTPPayload {
        var payload = body
        var result = HTTPPayload(text: [], decodedFrom: nil, repairs: repairs)
        if let label = declared ?? (kind == .html ? metaCharset(body) : nil), !Charsets.isUTF8Label(label) {
            let name = Charsets.converterName(forLabel: label)
            if Charsets.isValidUTF8(payload) && !name.hasPrefix("UTF-16") {
                // Valid UTF-8 with non-ASCII text under a legacy label is mislabelled UTF-8 (the
                // chance that Latin-1 text with accents is also valid UTF-8 is negligible).
                if payload.contains(where: { $0 >= 0x80 }) { result.repairs.append(.declaredCharsetIgnoredForUTF8) }
            } else if let decoded = try? Charsets.decode(payload, from: name) {
                payload = decoded
                result.decodedFrom = name
            }
        }
        result.text = kind == .html ? HTMLText.extract(payload) : payload
        return result
    }

    /// Where an HTTP header block ends: the offset of its blank line and the blank line's length
    /// (CRLF CRLF, or LF LF from servers that send bare line feeds).
    static func headerEnd(_ body: [UInt8]) -> (Int, Int)? {
        if let end = ByteSearch.find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: 0) { return (end, 4) }
        if let end = ByteSearch.find([0x0A, 0x0A], in: body, from: 0) { return (end, 2) }
        return nil
    }

    /// `charset=X` in a Content-Type value, without quotes; nil when absent.
    static func charsetParameter(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, String(parts[0]).trimmingCharacters().lowercased() == "charset" else { continue }
            let value = String(parts[1]).trimmingCharacters().filter { $0 != "\"" && $0 != "'" }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// The charset of `<meta charset="X">` or `<meta http-equiv="Content-Type" content="…;
    /// charset=X">` within the first 1024 bytes (HTML5's prescan window). O(1 KiB).
    static func metaCharset(_ html: [UInt8]) -> String? {
        let head = Array(html.prefix(1024)).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        var from = 0
        while let meta = ByteSearch.find(Array("<meta".utf8), in: head, from: from) {
            let close = head[meta...].firstIndex(of: 0x3E) ?? head.count
            if let at = ByteSearch.find(Array("charset".utf8), in: Array(head[meta..<close]), from: 0) {
                var i = meta + at + 7
                while i < close, head[i] == 0x20 || head[i] == 0x09 || head[i] == 0x0A || head[i] == 0x0D { i += 1 }
                if i < close, head[i] == 0x3D {   // =
                    i += 1
                    while i < close, head[i] == 0x20 || head[i] == 0x22 || head[i] == 0x27 { i += 1 }
                    var j = i
                    while j < close, head[j] == 0x2D || head[j] == 0x5F || head[j] == 0x2E || head[j] == 0x3A
                        || (head[j] >= 0x30 && head[j] <= 0x39) || (head[j] >= 0x61 && head[j] <= 0x7A) { j += 1 }
                    if j > i { return String(decoding: head[i..<j], as: UTF8.self) }
                }
            }
            from = meta + 5
        }
        return nil
    }

    enum Dechunked: Equatable { case body([UInt8]), notChunked, malformed }

    /// Joins the chunks of a `Transfer-Encoding: chunked` body (RFC 9112 §7.1; extensions and
    /// trailers ignored). A body whose first line is no chunk size was stored de-chunked
    /// (`notChunked`); chunks that break later — a bad size line, data cut short, a chunk not
    /// followed by CRLF, no last (zero) chunk — are `malformed`. O(n).
    static func dechunk(_ data: [UInt8]) -> Dechunked {
        var out: [UInt8] = []
        var i = 0
        var first = true
        while true {
            guard let lineEnd = ByteSearch.find([0x0D, 0x0A], in: data, from: i), lineEnd - i <= 1024 else { return first ? .notChunked : .malformed }
            let sizeText = String(decoding: data[i..<lineEnd], as: UTF8.self).split(separator: ";", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(), radix: 16), size >= 0 else { return first ? .notChunked : .malformed }
            first = false
            if size == 0 { return .body(out) }
            let start = lineEnd + 2
            guard size <= data.count - start - 2, data[start + size] == 0x0D, data[start + size + 1] == 0x0A else { return .malformed }
            out += data[start..<(start + size)]
            i = start + size + 2
        }
    }

    /// A gzip/zlib (`raw`: raw deflate) stream decompressed, or nil when it is corrupt or cut
    /// short or decodes to more than `maxDecodedBytes`. Bytes after the stream's end are ignored.
    static func inflate(_ input: [UInt8], raw: Bool) -> [UInt8]? {
        var z = z_stream()
        // 15 + 32: a 32 KiB window with the gzip or zlib header detected; -15: no header.
        guard inflateInit2_(&z, raw ? -15 : 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&z) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        return input.withUnsafeBufferPointer { inp -> [UInt8]? in
            z.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
            z.avail_in = UInt32(inp.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    z.next_out = out.baseAddress
                    z.avail_out = UInt32(out.count)
                    let status = CZlib.inflate(&z, Z_NO_FLUSH)
                    return (status, out.count - Int(z.avail_out))
                }
                output += chunk[..<produced]
                if output.count > maxDecodedBytes { return nil }
                if status == Z_STREAM_END { return output }
                guard status == Z_OK, produced > 0 || z.avail_in > 0 else { return nil }
            }
        }
    }
}
