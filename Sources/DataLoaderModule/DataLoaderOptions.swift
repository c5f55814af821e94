import Shards

/// How a loader cuts, orders and partitions its stream (see docs/dataloader.md).
public struct DataLoaderOptions: Sendable, Hashable {
    /// Rows per batch (B).
    public var batchSize: Int
    /// Tokens per row (T); each row reads T + 1 tokens.
    public var context: Int
    public var seed: UInt64 = 0
    public var rank = 0
    public var worldSize = 1
    /// How the ranks share the stream (see `RankLayout`).
    public var rankLayout: RankLayout = .blocks
    /// `train` or `val`.
    public var split = DataSplit.train
    /// Permute chunks per epoch and shuffle within windows. Off: the stream's own order.
    public var shuffle = true
    /// Sequences per chunk (the unit of the global permutation); nil: max(1, blockTokens / T).
    public var chunkSequences: Int? = nil
    /// Chunks per shuffle window (the bounded shuffle buffer).
    public var windowChunks = 16
    /// Stop after this many epochs (the last batch may then have fewer rows); nil: endless.
    public var epochs: Int? = nil
    /// Batches prepared ahead on a background thread; 0: assemble on the caller's thread.
    public var prefetch = 4
    public var onCorruptBlock: CorruptBlockPolicy = .stop
    /// When set, shard sets made with a tokenizer of another fingerprint are refused.
    public var expectedFingerprint: [UInt8]? = nil

    public init(batchSize: Int, context: Int) {
        self.batchSize = batchSize
        self.context = context
    }

    /// A fixed-order, single-pass stream over the validation split, for evaluation.
    public static func validation(batchSize: Int, context: Int, rank: Int = 0, worldSize: Int = 1) -> DataLoaderOptions {
        var o = DataLoaderOptions(batchSize: batchSize, context: context)
        o.split = .val
        o.shuffle = false
        o.epochs = 1
        o.rank = rank
        o.worldSize = worldSize
        return o
    }
}
