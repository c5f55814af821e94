/// Reads the text field of each record of a JSON Lines file.
public enum JSONLines {
    /// The `field` string of every non-blank line as UTF-8 bytes (as stored: invalid UTF-8 inside
    /// the string is left for the caller to reject or repair), with its 1-based line number. A line
    /// that is not a JSON object with that string field is an error naming the source and line.
    /// Parsing: `JSONField`.
    public static func texts(in bytes: [UInt8], field: String, source: String) throws -> [(line: Int, text: [UInt8])] {
        var records: [(line: Int, text: [UInt8])] = []
        var lineNumber = 0
        try bytes.withUnsafeBufferPointer { all in
            var start = 0
            while start <= all.count {
                let end = all[start...].firstIndex(of: 0x0A) ?? all.count
                lineNumber += 1
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) {
                    switch JSONField.string(field, in: line) {
                    case .success(let text): records.append((lineNumber, text))
                    case .failure(let failure): throw InputError(.malformed, path: source, record: lineNumber, "\(source):\(lineNumber): \(failure.message(field: field))")
                    }
                }
                start = end + 1
            }
        }
        return records
    }
}
