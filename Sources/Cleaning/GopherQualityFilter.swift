/// Gopher's quality rules (Rae et al. 2021), as datatrove's `GopherQualityFilter` applies them:
/// word count, mean word length, `#` and ellipsis per word, bullet and ellipsis lines, words
/// with a letter, and English stop words.
public struct GopherQualityFilter: Sendable, Hashable, Codable {
    public var minDocWords = 50
    public var maxDocWords = 100_000
    public var minAvgWordLength = 3.0
    public var maxAvgWordLength = 10.0
    public var maxSymbolWordRatio = 0.1
    public var maxBulletLinesRatio = 0.9
    public var maxEllipsisLinesRatio = 0.3
    public var maxNonAlphaWordsRatio = 0.8
    public var minStopWords = 2
    public var stopWords = ["the", "be", "to", "of", "and", "that", "have", "with"]
    public init() {}

    static let hash = PythonText.ascii("#"), dots = PythonText.ascii("..."), ellipsis: [UInt32] = [0x2026]

    public func apply(_ document: inout CleaningDocument) -> CleaningRule? {
        let words = document.words()
        let text = document.text
        let nWords = Double(words.count)
        var nonSymbol = 0, nonSymbolChars = 0, alphaWords = 0
        for w in words {
            var symbolOnly = true, hasAlpha = false
            for i in w {
                let c = text[i]
                if symbolOnly && !PunctuationSet.all.contains(c) { symbolOnly = false }
                if !hasAlpha && PythonText.isAlpha(c) { hasAlpha = true }
                if !symbolOnly && hasAlpha { break }
            }
            if !symbolOnly { nonSymbol += 1; nonSymbolChars += w.count }
            if hasAlpha { alphaWords += 1 }
        }
        if minDocWords > 0 && nonSymbol < minDocWords { return .gopherQuality(.shortDoc) }
        if maxDocWords > 0 && nonSymbol > maxDocWords { return .gopherQuality(.longDoc) }
        let average = Double(nonSymbolChars) / Double(nonSymbol)
        if minAvgWordLength > 0 && average < minAvgWordLength { return .gopherQuality(.belowAverageWordLength) }
        if maxAvgWordLength > 0 && average > maxAvgWordLength { return .gopherQuality(.aboveAverageWordLength) }
        if maxSymbolWordRatio > 0 {
            if Double(PythonText.count(text, Self.hash)) / nWords > maxSymbolWordRatio { return .gopherQuality(.tooManyHashes) }
            let ellipses = PythonText.count(text, Self.dots) + PythonText.count(text, Self.ellipsis)
            if Double(ellipses) / nWords > maxSymbolWordRatio { return .gopherQuality(.tooManyEllipsis) }
        }
        let lines = PythonText.lines(text)
        var bullets = 0, endEllipsis = 0
        for line in lines {
            let s = PythonText.strip(text, line)
            if !s.isEmpty && (text[s.lowerBound] == 0x2022 || text[s.lowerBound] == 0x2D) { bullets += 1 }
            if s.count >= 1 && text[s.upperBound - 1] == 0x2026 { endEllipsis += 1 }
            else if s.count >= 3 && text[s.upperBound - 1] == 0x2E && text[s.upperBound - 2] == 0x2E && text[s.upperBound - 3] == 0x2E { endEllipsis += 1 }
        }
        let nLines = Double(max(lines.count, 1))
        if maxBulletLinesRatio > 0 && Double(bullets) / nLines > maxBulletLinesRatio { return .gopherQuality(.tooManyBullets) }
        if maxEllipsisLinesRatio > 0 && Double(endEllipsis) / nLines > maxEllipsisLinesRatio { return .gopherQuality(.tooManyEndEllipsis) }
        if maxNonAlphaWordsRatio > 0 && Double(alphaWords) / nWords < maxNonAlphaWordsRatio { return .gopherQuality(.belowAlphaThreshold) }
        if minStopWords > 0 {
            let stops = stopWords.map(PythonText.ascii)
            var found = Set<Int>()
            for w in words where w.count <= 4 {
                for (k, s) in stops.enumerated() where s.count == w.count && !found.contains(k) {
                    if zip(w, s).allSatisfy({ text[$0] == $1 }) { found.insert(k) }
                }
                if found.count >= minStopWords { break }
            }
            if found.count < minStopWords { return .gopherQuality(.notEnoughStopWords) }
        }
        return nil
    }
}
