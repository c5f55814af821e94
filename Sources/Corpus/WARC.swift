/// Streams the records of a WARC file (ISO 28500; plain or gzip-per-record, which the byte
/// stream undoes): `response` records whose HTTP payload is HTML (→ `HTMLText`) or plain text,
/// `resource` records of those types, and, for WET files, `conversion` records as they are.
/// Every other record is returned with no text and the reason it holds none (`DropReason`:
/// `warc_TYPE_record` for request, metadata, revisit, warcinfo…; `wet_TYPE_record` in a WET
/// file; non-HTTP payloads, non-text content, undecodable content-encodings and broken chunked
/// transfer-encoding by their own reasons), so that the caller counts it. Payloads are decoded
/// by `HTTPPayload` (chunks joined, gzip/deflate undone, declared charset decoded). Memory: one
/// record plus one chunk.
public struct WARCReader {
    public struct Record {
        public var index: Int
        public var uri: String?
        public var text: [UInt8]
        /// Why the record holds no document (and `text` is empty), else nil.
        public var dropReason: DropReason? = nil
        /// The charset the payload was decoded from (declared in its HTTP header or HTML meta).
        public var decodedFrom: String? = nil
        /// What was undone to read the payload (content-encoding, …).
        public var repairs: [PayloadRepair] = []
    }

    var stream: any ByteStream
    let source: String
    let wet: Bool
    var buffer: [UInt8] = []
    var position = 0
    var done = false
    var recordIndex = 0
    var offset = 0  // uncompressed offset of buffer[position]
    var recordStart = 0  // uncompressed offset of the record being read
    var inRecord = false  // its headers are parsed (recordIndex counts it)

    public init(_ stream: any ByteStream, source: String, wet: Bool) {
        self.stream = stream
        self.source = source
        self.wet = wet
    }

    mutating func fill(_ count: Int) throws -> Bool {
        while buffer.count - position < count {
            if done { return false }
            if position > 1 << 20 { buffer.removeFirst(position); position = 0 }
            let chunk: [UInt8]?
            do { chunk = try stream.next() } catch let error as InputError {
                // A cut or damaged compressed stream: say which record it cut, as a WARC error does.
                throw error.adding(" (while reading WARC record \(recordIndex + (inRecord ? 0 : 1)), which starts at uncompressed byte \(recordStart))")
            }
            if let chunk { buffer.append(contentsOf: chunk) } else { done = true }
        }
        return true
    }

    mutating func headerEnd() throws -> Int? {
        var searchFrom = position
        while true {
            if let end = ByteSearch.find([0x0D, 0x0A, 0x0D, 0x0A], in: buffer, from: searchFrom) { return end }
            searchFrom = max(position, buffer.count - 3)
            if !(try fill(buffer.count - position + 1)) { return nil }
            if buffer.count - position > 1 << 20 {
                try rejectBareLineFeeds()
                throw InputError(.malformed, path: source, byteOffset: offset, record: recordIndex + 1, "\(source): WARC record \(recordIndex + 1) at byte \(offset): no end of headers within 1 MiB (not a WARC file?)")
            }
        }
    }

    /// Headers that end with LF LF instead of CRLF CRLF (files whose line endings were
    /// converted, or written by hand) get an error that says so rather than "truncated".
    func rejectBareLineFeeds() throws {
        if let lf = ByteSearch.find([0x0A, 0x0A], in: buffer, from: position), lf - position < 1 << 16 {
            throw InputError(.malformed, path: source, byteOffset: offset, record: recordIndex + 1, "\(source): WARC record \(recordIndex + 1) at byte \(offset): its headers end with LF LF, expected CRLF CRLF as WARC (ISO 28500) requires; the file's line endings were probably converted, so its Content-Lengths cannot be trusted either — use the original file")
        }
    }

    public mutating func next() throws -> Record? {
        while true {
            // Skip blank lines between records.
            while try fill(1), buffer[position] == 0x0D || buffer[position] == 0x0A { position += 1; offset += 1 }
            recordStart = offset
            inRecord = false
            guard try fill(1) else { return nil }
            guard try fill(5), buffer[position..<(position + 5)].elementsEqual(Array("WARC/".utf8)) else {
                throw InputError(.malformed, path: source, byteOffset: offset, "\(source): expected a WARC record (\"WARC/1.x\") at uncompressed byte \(offset), found \(Self.preview(buffer[position...])); the previous record's Content-Length may be wrong, or this is not a WARC file")
            }
            guard let end = try headerEnd() else {
                try rejectBareLineFeeds()
                throw InputError(.truncated, path: source, byteOffset: offset, record: recordIndex + 1, "\(source): WARC record \(recordIndex + 1) at byte \(offset) ends inside its headers (truncated file?)")
            }
            let headers = Self.parseHeaders(buffer[position..<end])
            recordIndex += 1
            inRecord = true
            guard let lengthText = headers["content-length"], let length = Int(lengthText), length >= 0 else {
                throw InputError(.malformed, path: source, byteOffset: offset, record: recordIndex, "\(source): WARC record \(recordIndex) at byte \(offset) has no valid Content-Length")
            }
            let bodyStart = end + 4
            let headerLength = bodyStart - position
            guard try fill(headerLength + length) else {
                throw InputError(.truncated, path: source, byteOffset: offset, record: recordIndex, "\(source): WARC record \(recordIndex) at byte \(offset) declares Content-Length \(length) but the file ends after \(buffer.count - bodyStart) bytes of it (truncated file or wrong length)")
            }
            let body = Array(buffer[bodyStart..<(bodyStart + length)])
            position = bodyStart + length
            offset += headerLength + length
            // A record ends with CRLF CRLF; anything else means the length was wrong.
            if try fill(4) {
                guard buffer[position..<(position + 4)].elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]) else {
                    throw InputError(.malformed, path: source, byteOffset: offset, record: recordIndex, "\(source): WARC record \(recordIndex) (Content-Length \(length)) is not followed by CRLF CRLF at byte \(offset): its Content-Length is wrong; the rest of this file is skipped")
                }
            }
            let type = headers["warc-type"]?.lowercased() ?? ""
            let uri = headers["warc-target-uri"]
            let contentType = headers["content-type"]?.lowercased() ?? ""
            let index = recordIndex
            let skipped = { (reason: DropReason) in Record(index: index, uri: uri, text: [], dropReason: reason) }
            let payload: HTTPPayload.Outcome
            switch type {
            case "conversion":
                return Record(index: recordIndex, uri: uri, text: body)
            case _ where wet:
                return skipped(.wetRecord(type: Self.typeKey(type)))
            case "response":
                payload = HTTPPayload.response(body, warcContentType: contentType)
            case "resource":
                payload = HTTPPayload.resource(body, contentType: contentType)
            default:
                return skipped(.warcRecord(type: Self.typeKey(type)))
            }
            switch payload {
            case .kept(let p): return Record(index: recordIndex, uri: uri, text: p.text, decodedFrom: p.decodedFrom, repairs: p.repairs)
            case .dropped(let reason): return skipped(reason)
            }
        }
    }

    /// A WARC-Type as a report key: "untyped" when absent, "other" when it is not a short word
    /// (a hostile file must not put arbitrary text into manifest keys).
    static func typeKey(_ type: String) -> String {
        if type.isEmpty { return "untyped" }
        guard type.utf8.count <= 32, type.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }) else { return "other" }
        return type
    }

    static func parseHeaders(_ bytes: ArraySlice<UInt8>) -> [String: String] {
        var headers: [String: String] = [:]
        for line in bytes.split(separator: 0x0A) {
            guard let colon = line.firstIndex(of: 0x3A) else { continue }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).trimmingCharacters().lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters()
            if headers[name] == nil { headers[name] = value }
        }
        return headers
    }

    static func preview(_ bytes: ArraySlice<UInt8>) -> String {
        let text = String(decoding: bytes.prefix(24), as: UTF8.self).map { $0.isASCII && !$0.isNewline ? String($0) : "·" }.joined()
        return "\"\(text)\""
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        return String(s)
    }
}
