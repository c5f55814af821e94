import ICUShim
import TokenmillSupport

/// What an input's bytes are, when they are not UTF-8: a UTF-16 byte-order mark, or ICU's
/// charset detector's best guess, and the conversion to UTF-8 through ICU's converters.
///
/// Used where a document is whole in memory (`shard`'s cleaning) to decode UTF-16 and legacy
/// encodings instead of repairing them into runs of U+FFFD, and by the streaming decoder to
/// refuse an 8-bit fallback for text that is clearly in another encoding (GB2312 "decoded" as
/// cp1252 is mojibake, not text).
public enum Charsets {
    /// A detector's answer: ICU's charset name and its confidence, 0–100.
    public struct Detection: Sendable, Equatable {
        public let name: String
        public let confidence: Int
    }

    /// "UTF-16LE" or "UTF-16BE" when `bytes` start with that byte-order mark.
    public static func utf16ByteOrderMark(_ bytes: some Collection<UInt8>) -> String? {
        var it = bytes.makeIterator()
        guard let a = it.next(), let b = it.next() else { return nil }
        if a == 0xFF && b == 0xFE { return "UTF-16LE" }
        if a == 0xFE && b == 0xFF { return "UTF-16BE" }
        return nil
    }

    /// ICU's best guess for `bytes` (looks at most at the first 64 KiB), or nil when it has
    /// none. O(min(n, 64 KiB)).
    public static func detect(_ bytes: [UInt8]) -> Detection? {
        let sample = bytes.count > 1 << 16 ? Array(bytes[..<(1 << 16)]) : bytes
        guard !sample.isEmpty else { return nil }
        var name = [CChar](repeating: 0, count: 64)
        var confidence: Int32 = 0
        let status = sample.withUnsafeBufferPointer { tm_detect_charset($0.baseAddress, Int32($0.count), &name, Int32(name.count), &confidence) }
        guard status == 0 else { return nil }
        let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Detection(name: text, confidence: Int(confidence))
    }

    /// Whether ICU's name is an encoding of a script other than Latin (CJK multi-byte, Cyrillic,
    /// Greek, Arabic, Hebrew, UTF-16/32): what an 8-bit Latin fallback must not decode. The
    /// Central European Latin charsets (ISO-8859-2, windows-1250) are not in it: ICU confuses
    /// them with Latin-1 on Western text with few accents.
    public static func isOtherScript(_ name: String) -> Bool {
        let others: Set<String> = ["GB18030", "Big5", "EUC-JP", "EUC-KR", "Shift_JIS", "ISO-2022-JP", "ISO-2022-KR", "ISO-2022-CN",
                                   "KOI8-R", "windows-1251", "ISO-8859-5", "windows-1253", "ISO-8859-7", "windows-1256", "ISO-8859-6",
                                   "windows-1255", "ISO-8859-8", "ISO-8859-8-I", "UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE", "IBM420_rtl",
                                   "IBM420_ltr", "IBM424_rtl", "IBM424_ltr"]
        return others.contains(name)
    }

    /// Whether `bytes` are well-formed UTF-8 (Unicode Table 3-7, as the normalizer checks). O(n).
    public static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                if b[i] < 0x80 { i += 1; continue }
                guard case .valid(_, let length) = UTF8Validation.check(b, at: i) else { return false }
                i += length
            }
            return true
        }
    }

    /// Whether a charset label (from an HTTP Content-Type or an HTML meta tag) names UTF-8.
    public static func isUTF8Label(_ label: String) -> Bool {
        ["utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8"].contains(label.lowercased())
    }

    /// The ICU converter for a charset label as the web uses it: labels the WHATWG Encoding
    /// standard maps to a superset are mapped the same way (pages labelled iso-8859-1 or
    /// us-ascii are Windows-1252 in every browser, gb2312 is GBK, euc-kr is windows-949), other
    /// labels are passed to ICU as they are.
    public static func converterName(forLabel label: String) -> String {
        let l = label.lowercased()
        switch l {
        case "iso-8859-1", "iso8859-1", "latin1", "l1", "iso_8859-1", "us-ascii", "ascii", "cp1252", "x-cp1252", "cp819", "ibm819": return "windows-1252"
        case "iso-8859-9", "iso8859-9", "latin5", "l5": return "windows-1254"
        case "iso-8859-11", "tis-620": return "windows-874"
        case "gb2312", "gbk", "x-gbk", "cp936", "csgb2312": return "GB18030"
        case "euc-kr", "ks_c_5601-1987", "korean", "csksc56011987": return "windows-949"
        case "utf-16": return "UTF-16LE"
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis": return "Shift_JIS"
        case "big5", "big5-hkscs", "x-x-big5", "csbig5": return "Big5"
        // The spelling ICU's detector uses (what `decoded` counts are keyed by): windows-NNNN
        // in lower case, the rest (KOI8-R, EUC-JP, ISO-8859-5, …) in upper case.
        default: return l.hasPrefix("windows-") ? l : l.uppercased()
        }
    }

    /// `bytes` in the charset `name` (an ICU converter name such as "GB18030", "KOI8-R",
    /// "UTF-16LE"), as UTF-8, a leading byte-order mark dropped; unmappable sequences become
    /// U+FFFD. Throws when ICU has no such converter. O(n).
    public static func decode(_ bytes: [UInt8], from name: String) throws -> [UInt8] {
        var input = bytes
        if name.hasPrefix("UTF-16"), utf16ByteOrderMark(input) != nil { input.removeFirst(2) }
        if input.isEmpty { return [] }
        var capacity = input.count * 3 / 2 + 16
        while true {
            var output = [UInt8](repeating: 0, count: capacity)
            var error: Int32 = 0
            let written = input.withUnsafeBufferPointer { i in
                output.withUnsafeMutableBufferPointer { o in
                    tm_convert_to_utf8(name, i.baseAddress, Int32(i.count), o.baseAddress, Int32(o.count), &error)
                }
            }
            if error == 15 /* U_BUFFER_OVERFLOW_ERROR */ { capacity = Int(written) + 16; continue }
            guard error == 0 else {
                throw NormalizerError(unsupportedEncoding: name, reason: "ICU has no converter for it (error \(error))")
            }
            output.removeSubrange(Int(written)...)
            if output.starts(with: [0xEF, 0xBB, 0xBF]) { output.removeFirst(3) }
            return output
        }
    }
}
