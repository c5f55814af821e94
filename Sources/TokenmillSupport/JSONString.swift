/// JSON string literals written straight from UTF-8 bytes: the one escaping rule for every JSON
/// this package writes by hand (vocabulary files, JSON Lines records, `tokenmill split`'s pieces,
/// JSON paths in error messages).
///
/// The rule is serde_json's, which is also what Foundation's `JSONSerialization` writes with
/// `.withoutEscapingSlashes` and what Python's `json.dumps(..., ensure_ascii=False)` writes:
/// `"` and `\` are escaped, `\n` `\r` `\t` `\b` `\f` get their short forms, the other control
/// characters U+0000–U+001F become `\u00xx` (lowercase hex), and everything else, "/" and non-ASCII
/// included, is copied as UTF-8. One pass over the bytes, no `String` round trip.
public enum JSONString {
    @usableFromInline static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `utf8` (valid UTF-8) as a JSON string, with its quotes. O(n).
    @inlinable
    public static func append<Bytes: Collection<UInt8>>(_ utf8: Bytes, to out: inout [UInt8]) {
        out.append(0x22)
        for b in utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
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
    public static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        append(text.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
