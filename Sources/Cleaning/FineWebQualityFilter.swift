/// FineWeb's own rules (Penedo et al. 2024), as datatrove's `FineWebQualityFilter` applies them
/// to the non-blank lines: at least 12% must end in terminal punctuation (of any script), at
/// most 67% may be 30 characters or shorter, at most 1% of the characters may be in repeated
/// lines, and there may be at most 0.3 newlines per word (lists).
public struct FineWebQualityFilter: Sendable, Hashable, Codable {
    public var linePunctuationThreshold = 0.12
    public var linePunctuationExcludeZero = false
    public var shortLineThreshold = 0.67
    public var shortLineLength = 30
    public var charDuplicatesRatio = 0.01
    public var newLineRatio = 0.3
    public init() {}

    public func apply(_ document: inout CleaningDocument) -> CleaningRule? {
        let text = document.text
        var lines: [Range<Int>] = []
        var start = 0
        var newlines = 0
        for i in 0...text.count where i == text.count || text[i] == 0x0A {
            if i < text.count { newlines += 1 }
            if !PythonText.strip(text, start..<i).isEmpty { lines.append(start..<i) }
            start = i + 1
        }
        guard !lines.isEmpty else { return .finewebQuality(.empty) }
        let n = Double(lines.count)
        let punctuated = lines.filter { PunctuationSet.terminal.contains(text[$0.upperBound - 1]) }.count
        let ratio = Double(punctuated) / n
        if ratio < linePunctuationThreshold && !(ratio == 0 && linePunctuationExcludeZero) { return .finewebQuality(.linePunctuationRatio) }
        if Double(lines.filter { $0.count <= shortLineLength }.count) / n > shortLineThreshold { return .finewebQuality(.shortLineRatio) }
        let duplicated = GopherRepetitionFilter.duplicates(text, lines).1
        if Double(duplicated) / Double(text.count - newlines) > charDuplicatesRatio { return .finewebQuality(.charDuplicatesRatio) }
        let words = document.words()
        if Double(newlines) / Double(max(words.count, 1)) > newLineRatio { return .finewebQuality(.listRatio) }
        return nil
    }
}
