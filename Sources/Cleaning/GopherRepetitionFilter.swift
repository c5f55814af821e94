/// Gopher's repetition rules (Rae et al. 2021, table A1), as datatrove's
/// `GopherRepetitionFilter` applies them: a document is dropped when too much of it is repeated
/// paragraphs, repeated lines, one frequent short n-gram, or repeated long n-grams. Fractions
/// are of the document's characters (scalars), except the two element fractions.
public struct GopherRepetitionFilter: Sendable, Hashable, Codable {
    public var dupLineFrac = 0.3
    public var dupParaFrac = 0.3
    public var dupLineCharFrac = 0.2
    public var dupParaCharFrac = 0.2
    /// The largest share of characters the most frequent n-gram may cover.
    public var topNGrams: [NGramShare] = [.init(2, 0.2), .init(3, 0.18), .init(4, 0.16)]
    /// The largest share of characters in n-grams seen before.
    public var dupNGrams: [NGramShare] = [.init(5, 0.15), .init(6, 0.14), .init(7, 0.13), .init(8, 0.12), .init(9, 0.11), .init(10, 0.10)]
    public init() {}

    public struct NGramShare: Sendable, Hashable, Codable {
        public var n: Int
        public var fraction: Double
        public init(_ n: Int, _ fraction: Double) { self.n = n; self.fraction = fraction }
    }

    public func apply(_ document: inout CleaningDocument) -> CleaningRule? {
        let text = document.text
        guard !text.isEmpty else { return .gopherRepetition(.empty) }
        let length = Double(text.count)
        // Paragraphs: the stripped text split at runs of two or more newlines.
        let stripped = PythonText.strip(text, 0..<text.count)
        var paragraphs: [Range<Int>] = []
        var start = stripped.lowerBound, i = stripped.lowerBound
        while i < stripped.upperBound {
            if text[i] == 0x0A && i + 1 < stripped.upperBound && text[i + 1] == 0x0A {
                paragraphs.append(start..<i)
                while i < stripped.upperBound && text[i] == 0x0A { i += 1 }
                start = i
            } else { i += 1 }
        }
        paragraphs.append(start..<stripped.upperBound)
        var (elements, chars) = Self.duplicates(text, paragraphs)
        if dupParaFrac > 0 && Double(elements) / Double(paragraphs.count) > dupParaFrac { return .gopherRepetition(.dupParaFrac) }
        if dupParaCharFrac > 0 && Double(chars) / length > dupParaCharFrac { return .gopherRepetition(.dupParaCharFrac) }
        // Lines: the text split at runs of newlines (not stripped: a leading newline makes an empty line).
        var lines: [Range<Int>] = []
        start = 0; i = 0
        while i < text.count {
            if text[i] == 0x0A {
                lines.append(start..<i)
                while i < text.count && text[i] == 0x0A { i += 1 }
                start = i
            } else { i += 1 }
        }
        lines.append(start..<text.count)
        (elements, chars) = Self.duplicates(text, lines)
        if dupLineFrac > 0 && Double(elements) / Double(lines.count) > dupLineFrac { return .gopherRepetition(.dupLineFrac) }
        if dupLineCharFrac > 0 && Double(chars) / length > dupLineCharFrac { return .gopherRepetition(.dupLineCharFrac) }
        let words = document.words()
        let hashes = words.map { PythonText.hash(text, $0) }
        let lengths = words.map(\.count)
        // keys[i]: the hash of the n-gram starting at word i, extended by one word per n.
        var keys = hashes
        var n = 1
        func extend(to target: Int) {
            while n < target {
                for i in 0..<max(0, hashes.count - n) { keys[i] = PythonText.mix(keys[i] &+ hashes[i + n]) }
                n += 1
            }
        }
        for pair in topNGrams.sorted(by: { $0.n < $1.n }) where pair.n > 0 {
            guard words.count >= pair.n else { continue }
            extend(to: pair.n)
            if pair.fraction > 0 && Double(Self.topDuplicate(keys, lengths, pair.n)) / length > pair.fraction { return .gopherRepetition(.topNGram(pair.n)) }
        }
        for pair in dupNGrams.sorted(by: { $0.n < $1.n }) where pair.n > 0 {
            guard words.count >= pair.n else { continue }
            if pair.n < n { keys = hashes; n = 1 }
            extend(to: pair.n)
            if pair.fraction > 0 && Double(Self.allDuplicate(keys, lengths, pair.n)) / length > pair.fraction { return .gopherRepetition(.duplicatedNGrams(pair.n)) }
        }
        return nil
    }

    /// datatrove's `find_duplicates`: elements seen before, and their characters.
    static func duplicates(_ text: [UInt32], _ parts: [Range<Int>]) -> (Int, Int) {
        var seen = Set<UInt64>(minimumCapacity: parts.count)
        var elements = 0, chars = 0
        for part in parts where !seen.insert(PythonText.hash(text, part) ^ UInt64(part.count) &* 0x9E37_79B9_7F4A_7C15).inserted {
            elements += 1
            chars += part.count
        }
        return (elements, chars)
    }

    /// datatrove's `find_top_duplicate`: characters of the most frequent n-gram (words joined by
    /// spaces) times its count; among equally frequent n-grams the first seen counts.
    static func topDuplicate(_ keys: [UInt64], _ lengths: [Int], _ n: Int) -> Int {
        let count = lengths.count - n + 1
        var counter = HashCounter(capacity: count)
        for i in 0..<count { _ = counter.add(keys[i], at: i) }
        let best = counter.top()
        var chars = n - 1
        for k in best.first..<(best.first + n) { chars += lengths[k] }
        return chars * best.count
    }

    /// datatrove's `find_all_duplicate`: characters of n-grams (words joined without spaces)
    /// seen before, jumping past each repeat.
    static func allDuplicate(_ keys: [UInt64], _ lengths: [Int], _ n: Int) -> Int {
        let count = lengths.count - n + 1
        guard count > 0 else { return 0 }
        var seen = HashCounter(capacity: count)
        var repeated = 0, i = 0
        while i < count {
            if seen.add(keys[i], at: i) > 0 {
                for k in i..<(i + n) { repeated += lengths[k] }
                i += n
            } else { i += 1 }
        }
        return repeated
    }
}
