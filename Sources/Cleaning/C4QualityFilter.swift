/// C4's line rules (Raffel et al. 2020), as datatrove's `C4QualityFilter` applies them: lines
/// are kept only if they have no word over 1000 characters, end in terminal punctuation (when
/// `filterNoTerminalPunctuation`; FineWeb turns it off), have at least 3 words, and mention
/// neither "javascript" nor a cookie or terms-of-use phrase; Wikipedia citation marks are
/// removed; a document with "lorem ipsum" or a `{` on a kept line is dropped, as is one left with
/// fewer than 5 sentences. The kept lines, joined by newlines, become the document's text.
public struct C4QualityFilter: Sendable, Hashable, Codable {
    public var removeCitations = true
    public var filterNoTerminalPunctuation = true
    public var minSentences = 5
    public var minWordsPerLine = 3
    public var maxWordLength = 1000
    public var filterLoremIpsum = true
    public var filterJavascript = true
    public var filterCurlyBracket = true
    public var filterPolicy = true
    public init() {}

    /// FineWeb's settings: terminal punctuation is not required.
    public static var fineweb: C4QualityFilter { var f = C4QualityFilter(); f.filterNoTerminalPunctuation = false; return f }

    static let lorem = PythonText.ascii("lorem ipsum"), javascript = PythonText.ascii("javascript")
    static let policies = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"].map(PythonText.ascii)
    static let edit = PythonText.ascii("[edit]"), citationNeeded = PythonText.ascii("[citation needed]")

    public func apply(_ document: inout CleaningDocument) -> CleaningRule? {
        let text = document.text
        var kept: [UInt32] = []
        kept.reserveCapacity(text.count)
        var sentences = 0
        var keptLines = 0
        for raw in PythonText.lines(text) {
            let stripped = PythonText.strip(text, raw)
            let words = PythonText.fields(text, stripped)
            document.count("line_total")
            if maxWordLength >= 0 && words.contains(where: { $0.count > maxWordLength }) {
                document.count("line_filter_too_long_word"); continue
            }
            let line = removeCitations ? Self.removingCitations(text, stripped) : Array(text[stripped])
            if filterNoTerminalPunctuation {
                let last = line.last
                let terminal = last == 0x2E || last == 0x3F || last == 0x21 || last == 0x22 || last == 0x27
                let ellipsis = line.count >= 3 && line[line.count - 1] == 0x2E && line[line.count - 2] == 0x2E && line[line.count - 3] == 0x2E
                if !terminal || ellipsis { document.count("line_filter_no_terminal_punc"); continue }
            }
            if words.count < minWordsPerLine { document.count("line_filter_too_few_words"); continue }
            let all = 0..<line.count
            if filterLoremIpsum && PythonText.containsLowercased(line, all, Self.lorem) { return .c4(.loremIpsum) }
            if filterJavascript && PythonText.containsLowercased(line, all, Self.javascript) {
                document.count("line_filter_javascript"); continue
            }
            if filterCurlyBracket && line.contains(0x7B) { return .c4(.curlyBracket) }
            if filterPolicy && Self.policies.contains(where: { PythonText.containsLowercased(line, all, $0) }) {
                document.count("line_filter_policy"); continue
            }
            if minSentences >= 0 { sentences += WordSplitter.sentenceCount(line, all) }
            if keptLines > 0 { kept.append(0x0A) }
            kept += line
            keptLines += 1
            document.count("line_kept")
        }
        if sentences < minSentences { return .c4(.tooFewSentences) }
        let s = PythonText.strip(kept, 0..<kept.count)
        if s.count != kept.count { kept = Array(kept[s]) }
        if kept != text { document.replaceText(kept) }
        return nil
    }

    /// The line without `[12]`, `[]`, `[edit]` and `[citation needed]`.
    static func removingCitations(_ text: [UInt32], _ range: Range<Int>) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            if text[i] == 0x5B {
                var k = i + 1
                while k < range.upperBound && PythonText.isDecimal(text[k]) { k += 1 }
                if k < range.upperBound && text[k] == 0x5D { i = k + 1; continue }
                if matches(text, i, range.upperBound, edit) { i += edit.count; continue }
                if matches(text, i, range.upperBound, citationNeeded) { i += citationNeeded.count; continue }
            }
            out.append(text[i])
            i += 1
        }
        return out
    }

    static func matches(_ text: [UInt32], _ at: Int, _ end: Int, _ needle: [UInt32]) -> Bool {
        guard end - at >= needle.count else { return false }
        for k in 0..<needle.count where text[at + k] != needle[k] { return false }
        return true
    }
}
