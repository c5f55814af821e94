/// What to do with bytes that are not well-formed UTF-8.
public enum UTF8Policy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Stop with a `NormalizerError` naming the byte offset, the byte found and what was
    /// expected. For input that is supposed to be clean: a bad byte means a bug upstream.
    case strict
    /// Replace each maximal ill-formed subsequence with U+FFFD (Unicode's recommended practice,
    /// also what Python's `errors="replace"`, WHATWG and Swift's `String(decoding:)` do) and
    /// count the replacements in the report.
    case repair
}
