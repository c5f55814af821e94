import CLD2Shim
import Foundation
import TokenmillSupport

/// What CLD2 says about a text's language: its summary language and each top language's share
/// of the text. Codes are fastText lid.176's (datatrove's labels) where the two differ: CLD2's
/// `iw`, `jw`, `zh-Hant`, `sr-ME` become `he`, `jv`, `zh`, `sr`; a text without a detectable
/// language is `un`.
public struct LanguageDetection: Sendable, Hashable {
    /// CLD2's summary language (its return value; it may rank a language below English when the
    /// text is mostly English boilerplate around it, as on translated web pages).
    public var language: String
    /// Share of the text's letters in each of CLD2's top three languages (0…1; `percent3 / 100`),
    /// shares of codes that map to one label summed.
    public var scores: [String: Double]
    /// CLD2's `is_reliable`.
    public var reliable: Bool
    /// Sequences CLD2 refuses (controls, noncharacters, ill-formed UTF-8) that were blanked to
    /// spaces before it ran, and their bytes (counted as `language.blanked_*`).
    public var blankedSequences = 0
    public var blankedBytes = 0
    /// Bytes CLD2 still did not read after the blanking (expected 0: `sanitize` covers every
    /// scalar CLD2 refuses; counted as `language.unread_bytes` should a CLD2 build differ).
    public var unreadBytes = 0

    /// The summary language's score: datatrove's `language_score`.
    public var score: Double { scores[language] ?? 0 }
}

/// CLD2 (Debian's libcld2, the full tables: about 160 languages, compiled in, nothing to
/// download) through the CLD2Shim C wrapper. Thread-safe.
public enum LanguageIdentifier {
    /// CLD2's number for "un" (UNKNOWN_LANGUAGE).
    static let unknown: Int32 = 26

    /// CLD2 codes renamed to fastText lid.176's (the labels datatrove's LanguageFilter uses).
    static let aliases = ["iw": "he", "jw": "jv", "zh-Hant": "zh", "sr-ME": "sr"]

    /// Every CLD2 language number's label (fastText's code where they differ).
    static let labels: [String] = (0..<tm_cld2_language_count()).map { n in
        let code = String(cString: tm_cld2_language_code(n))
        return aliases[code] ?? code
    }

    /// The codes `--languages` accepts: every label CLD2 can return (and CLD2's own spellings of
    /// the renamed ones), except the unknown and pseudo-languages.
    public static let codes: Set<String> = Set(labels.filter { !$0.isEmpty && $0 != "un" && $0 != "xxx" && !$0.hasPrefix("xx-") && !$0.hasPrefix("zz") })

    /// The label for a code given by a user (`iw` → `he`, case-insensitive); nil when CLD2 does
    /// not know it.
    public static func label(_ code: String) -> String? {
        let lower = code.lowercased()
        if let renamed = aliases.first(where: { $0.key.lowercased() == lower })?.value { return renamed }
        return codes.contains(lower) ? lower : nil
    }

    /// "CLD2 version - table date".
    public static var version: String { String(cString: tm_cld2_version()) }

    /// Detects the language of UTF-8 text (plain text, not HTML). CLD2 runs once: `sanitize`
    /// first blanks, in one pass, everything it would refuse.
    public static func detect(_ utf8: [UInt8]) -> LanguageDetection {
        var text = utf8
        let blanked = sanitize(&text)
        var result = tm_cld2_result()
        let top = run(text, &result)
        var scores: [String: Double] = [:]
        let languages = [result.language.0, result.language.1, result.language.2]
        let percents = [result.percent.0, result.percent.1, result.percent.2]
        for (language, percent) in zip(languages, percents) where language != unknown && percent > 0 && Int(language) < labels.count {
            scores[labels[Int(language)], default: 0] += Double(percent) / 100
        }
        return LanguageDetection(language: labels[Int(top)], scores: scores, reliable: result.reliable != 0,
                                 blankedSequences: blanked.sequences, blankedBytes: blanked.bytes,
                                 unreadBytes: max(0, text.count - Int(result.valid_prefix_bytes)))
    }

    static func run(_ text: [UInt8], _ result: inout tm_cld2_result) -> Int32 {
        let top = text.withUnsafeBufferPointer { tm_cld2_detect($0.baseAddress, Int32(clamping: $0.count), 0, &result) }
        return top >= 0 && Int(top) < labels.count ? top : unknown
    }

    /// Replaces with spaces, in one pass, every sequence CLD2 refuses as not interchange-valid
    /// UTF-8 (it reads only the prefix before the first one), and returns how many sequences and
    /// bytes it replaced. The set was measured by running CLD2 on "a", each scalar U+0000…
    /// U+10FFFF, "b" (libcld2 0.0.0+git20150806): it refuses C0 controls but tab, line feed, form
    /// feed and carriage return; DEL and the C1 controls U+007F…U+009F; the noncharacters
    /// U+FDD0…U+FDEF and U+nFFFE, U+nFFFF of every plane. Ill-formed UTF-8 (possible only where
    /// `detect` is called on raw bytes) is blanked per maximal subpart, as `UTF8Validation`
    /// splits it. `LanguageTests` checks each boundary of these ranges against CLD2.
    static func sanitize(_ text: inout [UInt8]) -> (sequences: Int, bytes: Int) {
        var sequences = 0, bytes = 0
        text.withUnsafeMutableBufferPointer { t in
            let n = t.count
            func blank(_ i: Int, _ length: Int) {
                for k in i..<(i + length) { t[k] = 0x20 }
                sequences += 1
                bytes += length
            }
            var i = 0
            while i < n {
                let b = t[i]
                if b < 0x80 {
                    if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0C && b != 0x0D) || b == 0x7F { blank(i, 1) }
                    i += 1
                    continue
                }
                switch UTF8Validation.check(UnsafeBufferPointer(t), at: i) {
                case .valid(let scalar, let length):
                    if scalar <= 0x9F || (scalar >= 0xFDD0 && scalar <= 0xFDEF) || scalar & 0xFFFE == 0xFFFE { blank(i, length) }
                    i += length
                case .invalid(let length):
                    blank(i, length)
                    i += length
                case .truncated:
                    blank(i, n - i)
                    i = n
                }
            }
        }
        return (sequences, bytes)
    }
}

/// datatrove's `LanguageFilter` with CLD2 in place of fastText: with `languages`, a document is
/// kept when any of them has a score above `threshold`; without, when its detected language's
/// score is above it. The score is CLD2's share of the text in that language (fastText's is a
/// probability): see docs/cleaning.md for how the two compare on the shared corpora.
public struct LanguageFilter: Sendable, Hashable, Codable {
    /// Labels to keep (`en`, `de`, …); nil: any language.
    public var languages: [String]?
    /// datatrove's `language_threshold` (default 0.65).
    public var threshold = 0.65
    public init(languages: [String]? = nil, threshold: Double = 0.65) {
        self.languages = languages
        self.threshold = threshold
    }

    /// Parses `--languages` (comma-separated codes); throws naming an unknown one.
    public static func languages(_ list: String) throws -> [String] {
        var out: [String] = []
        for raw in list.split(separator: ",") {
            let code = raw.trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty else { continue }
            guard let label = LanguageIdentifier.label(code) else {
                throw CleaningError("--languages: unknown language \"\(code)\"; expected CLD2's codes (ISO 639-1 where there is one: en, de, fr, es, zh, ja, ru, ar, …; the list is in docs/cleaning.md)")
            }
            if !out.contains(label) { out.append(label) }
        }
        guard !out.isEmpty else { throw CleaningError("--languages is empty; expected comma-separated codes such as en,de") }
        return out
    }

    /// The detection, and the rule that drops the document (nil: kept).
    public func apply(_ utf8: [UInt8]) -> (LanguageDetection, CleaningRule?) {
        let detection = LanguageIdentifier.detect(utf8)
        if let languages {
            if languages.contains(where: { (detection.scores[$0] ?? 0) > threshold }) { return (detection, nil) }
            if detection.language == "un" { return (detection, .language(.unknown)) }
            return (detection, .language(languages.contains(detection.language) ? .lowScore : .otherLanguage))
        }
        if detection.score > threshold { return (detection, nil) }
        return (detection, .language(detection.language == "un" ? .unknown : .lowScore))
    }
}
