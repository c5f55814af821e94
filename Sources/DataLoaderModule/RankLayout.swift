/// How `worldSize` ranks share one stream.
public enum RankLayout: String, Sendable, Hashable, Codable {
    /// Rank `r` reads its own contiguous `1/W` of each epoch's permuted order, shuffled within
    /// its own windows: independent streams, nothing in common between the ranks' batches.
    case blocks
    /// Rank `r` yields rows `[r·B, (r+1)·B)` of every batch that one loader with `W·B` rows and
    /// the same seed would yield, so `W` ranks together see exactly the single-process batches
    /// (what data-parallel training needs for a loss curve that matches one process's). Needs
    /// a single source.
    case batchSlices = "batch-slices"
}
