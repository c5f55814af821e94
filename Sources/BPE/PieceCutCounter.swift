import Synchronization

/// The count of pieces a `Tokenizer` cut at its `maxPieceBytes`, shared by its copies and the
/// threads of `encodeBatch` (touched only when a piece is cut, never on the common path).
public final class PieceCutCounter: Sendable {
    @usableFromInline let value = Atomic<Int>(0)
    public init() {}
}
