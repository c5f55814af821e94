import BPE

/// A trained tokenizer, its merges as bytes, and the report.
public struct TrainingResult: Sendable {
    public var tokenizer: Tokenizer
    public var merges: [(left: [UInt8], right: [UInt8])]
    public var report: TrainingReport
}

/// Progress lines for a terminal; `nil` callbacks mean quiet.
public typealias TrainingProgress = (String) -> Void
