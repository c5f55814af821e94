/// JSON Lines records written straight from UTF-8 bytes (the cleaned text is valid UTF-8):
/// `"`, `\` and control characters are escaped, everything else is copied, so a record costs
/// one pass over its text.
public enum JSONLine {
    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `bytes` as a JSON string (with its quotes).
    public static func appendString<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        out.append(0x22)
        for b in bytes {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0..<0x20:
                out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    /// One record `{"k1":"v1","k2":"v2"}` and a newline, fields in the order given.
    public static func record(_ fields: [(String, [UInt8])], to out: inout [UInt8]) {
        out.append(0x7B)
        for (i, (key, value)) in fields.enumerated() {
            if i > 0 { out.append(0x2C) }
            appendString(Array(key.utf8), to: &out)
            out.append(0x3A)
            appendString(value, to: &out)
        }
        out.append(0x7D)
        out.append(0x0A)
    }
}
