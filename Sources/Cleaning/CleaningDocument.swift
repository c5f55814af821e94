/// One document going through the cleaning chain: its text as scalars (what the filters
/// measure), its words (computed once, again only after a step rewrote the text), and the
/// counters its steps raised (merged in input order by the caller, so totals never depend on
/// the number of threads).
public struct CleaningDocument: Sendable {
    public private(set) var text: [UInt32]
    private var cachedWords: [Range<Int>]?
    public var counters: [String: Int] = [:]

    public init(utf8: [UInt8]) { text = PythonText.scalars(utf8) }
    public init(scalars: [UInt32]) { text = scalars }

    /// The words of the text (`WordSplitter`), cached until the text changes.
    public mutating func words() -> [Range<Int>] {
        if let cachedWords { return cachedWords }
        let w = WordSplitter.words(text)
        cachedWords = w
        return w
    }

    public mutating func replaceText(_ scalars: [UInt32]) {
        text = scalars
        cachedWords = nil
    }

    public var utf8: [UInt8] { PythonText.utf8(text) }

    mutating func count(_ key: String, _ n: Int = 1) { counters[key, default: 0] += n }
}
