import TokenmillSupport

/// JSON Lines records written straight from UTF-8 bytes (the cleaned text is valid UTF-8), each
/// string escaped by `JSONOutput.appendString` (one pass over its text).
public enum JSONLine {

    /// One record `{"k1":"v1","k2":"v2"}` and a newline, fields in the order given.
    public static func record(_ fields: [(String, [UInt8])], to out: inout [UInt8]) {
        out.append(0x7B)
        for (i, (key, value)) in fields.enumerated() {
            if i > 0 { out.append(0x2C) }
            JSONOutput.appendString(key.utf8, to: &out)
            out.append(0x3A)
            JSONOutput.appendString(value, to: &out)
        }
        out.append(0x7D)
        out.append(0x0A)
    }
}
