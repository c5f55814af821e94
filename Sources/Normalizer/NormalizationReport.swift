/// What a pipeline did to one input, for the summary a corpus job prints per file.
/// All counts are of code points unless the name says bytes.
public struct NormalizationReport: Sendable, Hashable, Codable {
    /// Bytes read, and bytes written (valid UTF-8).
    public var bytesIn = 0
    public var bytesOut = 0
    /// The legacy encoding the input was decoded from, or nil for UTF-8.
    public var fallbackEncoding: LegacyEncoding? = nil
    /// Ill-formed UTF-8 sequences (or bytes a legacy encoding leaves undefined) replaced by U+FFFD.
    public var replacements = 0
    /// Whether a byte-order mark at the start was dropped.
    public var bomRemoved = false
    /// CRLF pairs and lone CRs turned into LF.
    public var newlinesNormalized = 0
    /// C0/C1 control characters removed (tab and newline are kept).
    public var controlsRemoved = 0
    /// Default-ignorable code points removed (zero-width space, soft hyphen, ...).
    public var ignorablesRemoved = 0
    /// Input characters the normalization form rewrote.
    public var charactersChanged = 0
    /// Characters lowercasing changed.
    public var charactersLowercased = 0
    /// Trailing spaces/tabs removed, in bytes, and blank lines beyond one in a row removed.
    public var trailingWhitespaceRemoved = 0
    public var blankLinesRemoved = 0
    /// Cuts the stream had to make where normalization might have been affected, because no
    /// safe boundary appeared within `maxPendingBytes` (only pathological input, e.g. a megabyte
    /// of combining marks). Zero means the output is byte-identical to one-shot normalization.
    public var forcedCuts = 0

    public init() {}

    /// Adds the counts of `other` (for totals over several files). O(1).
    public mutating func add(_ other: NormalizationReport) {
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
        if fallbackEncoding == nil { fallbackEncoding = other.fallbackEncoding }
        replacements += other.replacements
        bomRemoved = bomRemoved || other.bomRemoved
        newlinesNormalized += other.newlinesNormalized
        controlsRemoved += other.controlsRemoved
        ignorablesRemoved += other.ignorablesRemoved
        charactersChanged += other.charactersChanged
        charactersLowercased += other.charactersLowercased
        trailingWhitespaceRemoved += other.trailingWhitespaceRemoved
        blankLinesRemoved += other.blankLinesRemoved
        forcedCuts += other.forcedCuts
    }

    /// One human-readable line.
    public var summary: String {
        var parts = ["\(bytesIn) bytes in", "\(bytesOut) bytes out",
                     "decoded as \(fallbackEncoding?.rawValue ?? "utf-8")",
                     "\(replacements) replacements", "\(charactersChanged) characters changed"]
        if bomRemoved { parts.append("BOM removed") }
        if newlinesNormalized > 0 { parts.append("\(newlinesNormalized) newlines normalized") }
        if controlsRemoved > 0 { parts.append("\(controlsRemoved) controls removed") }
        if ignorablesRemoved > 0 { parts.append("\(ignorablesRemoved) ignorables removed") }
        if charactersLowercased > 0 { parts.append("\(charactersLowercased) lowercased") }
        if trailingWhitespaceRemoved > 0 { parts.append("\(trailingWhitespaceRemoved) trailing whitespace bytes removed") }
        if blankLinesRemoved > 0 { parts.append("\(blankLinesRemoved) blank lines removed") }
        if forcedCuts > 0 { parts.append("\(forcedCuts) forced cuts") }
        return parts.joined(separator: ", ")
    }
}
