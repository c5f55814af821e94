import ICUShim

/// An 8-bit encoding to decode a file with when it is clearly not UTF-8.
///
/// The byte → code point tables come from ICU's converters, built once: single-byte charsets are
/// stateless, so a 256-entry table is exactly the converter, without a call into ICU per byte.
public enum LegacyEncoding: String, Sendable, Hashable, Codable, CaseIterable {
    /// ISO-8859-1: every byte is the code point of the same value (0x80–0x9F are C1 controls).
    case latin1
    /// Windows-1252: Latin-1 with typographic characters (’ “ ” – — € …) in 0x80–0x9F, which is
    /// what most "Latin-1" files written on Windows really are. Five bytes it leaves undefined
    /// become U+FFFD.
    case windows1252 = "cp1252"

    /// ICU's converter name.
    var icuName: String {
        switch self {
        case .latin1: return "ISO-8859-1"
        case .windows1252: return "windows-1252"
        }
    }

    /// The code point of `byte`, or nil where the encoding defines none.
    public func codePoint(of byte: UInt8) -> UInt32? {
        let value = table[Int(byte)]
        return value < 0 ? nil : UInt32(value)
    }

    /// Code point for each byte, -1 where the encoding defines none. O(1) after the first use.
    var table: [Int32] {
        switch self {
        case .latin1: return LegacyEncodingTables.latin1
        case .windows1252: return LegacyEncodingTables.windows1252
        }
    }
}
