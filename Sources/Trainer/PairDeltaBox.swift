/// One pair's change from one merge step of one worker: `delta` (the sum over the worker's
/// words), and for a gain the words that gained it: `count` words from `start` in the box's
/// `words` (count 0: none).
struct PairDelta {
    var key: UInt64
    var delta: Int64
    var start: UInt32
    var count: UInt32
}

/// What one worker sends one shard in a merge step: the count changes of the shard's pairs,
/// written by the worker before the step's barrier, read and emptied by the shard's owner after it.
///
/// The words of all gains go back to back in one array that keeps its capacity from step to
/// step: a word list per gain (an allocation in the sender, freed by the owner on another
/// thread) cost more than the copy (see BENCHMARKS.md, "Trainer on two cores, third attempt").
struct PairDeltaBox {
    var entries: [PairDelta] = []
    var words: [UInt32] = []
}
