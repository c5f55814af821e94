/// What an encode run did.
public struct EncodeSummary: Sendable, Equatable {
    public var documents = 0
    /// Input bytes (after decompression, before repair).
    public var bytes = 0
    /// Ids written, end-of-text ids included.
    public var tokens = 0
    /// Invalid UTF-8 sequences replaced by U+FFFD (`lossy`).
    public var replacements = 0
}
