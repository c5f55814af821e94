/// One pair's count change from one merge step of one worker: `delta` (the sum over the
/// worker's words), and for a gain the words that gained it (`PairDeltaBox.lists[list]`; -1:
/// none).
struct PairDelta {
    var key: UInt64
    var delta: Int64
    var list: Int32
}

/// What one worker sends one shard in a merge step: the count changes of the shard's pairs,
/// written by the worker before the step's barrier, read and emptied by the shard's owner after it.
struct PairDeltaBox {
    var entries: [PairDelta] = []
    var lists: [[UInt32]] = []
}
