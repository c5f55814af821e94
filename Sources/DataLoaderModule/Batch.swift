/// A batch of `rows × context` next-token examples, row-major.
public struct Batch: Sendable {
    public var rows: Int
    public var context: Int
    /// Token ids, `rows × context`.
    public var inputs: [Int32]
    /// `inputs` shifted by one: `targets[r][t]` is the token after `inputs[r][t]`.
    public var targets: [Int32]
    /// Position of each input token within its document; 0 at the end-of-text token that opens a
    /// document (reset positional embeddings here).
    public var positions: [Int32]
    /// Index of each input token's document within its row (0, 1, …): attend only where equal.
    public var segments: [Int32]
    /// Per row: the source (mixture index) and the sequence id within that source's stream.
    public var sources: [Int32]
    public var sequenceIDs: [Int]
    /// Epoch of the first row's source stream.
    public var epoch: Int
    /// The loader's state after this batch.
    public var stateAfter: LoaderState
}
