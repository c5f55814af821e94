import ICUShim

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
