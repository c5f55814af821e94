/// What counting produces: the pre-token counts, the held-back text for the bytes-per-token
/// measurement, and the report so far (corpus figures, pruning, the count phase's time).
///
/// Results counted separately (other files, other processes) combine with `merge`, then
/// `BPETrainer.train(counts:options:)` trains on the sum.
public struct CountingResult: Sendable {
    public var counts: PreTokenCounts
    public var heldOut: [[UInt8]]
    public var report: TrainingReport

    public init(counts: PreTokenCounts, heldOut: [[UInt8]] = [], report: TrainingReport = TrainingReport()) {
        self.counts = counts
        self.heldOut = heldOut
        self.report = report
    }

    /// Adds `other`'s counts, corpus figures, timings (phases and count steps, summed by name) and
    /// held-back text (up to `options.holdoutSampleLimit` bytes), then prunes to
    /// `options.memoryLimit` with the same rule as counting. The result depends on the order of
    /// merging only when pruning happens. O(other's entries).
    public mutating func merge(_ other: CountingResult, options: TrainerOptions) {
        let threads = max(1, options.threads)
        counts.merge(other.counts, threads: threads)
        let o = other.report
        report.files += o.files
        report.documents += o.documents
        report.corpusBytes += o.corpusBytes
        report.trainedBytes += o.trainedBytes
        report.utf8Replacements += o.utf8Replacements
        report.piecesCut += o.piecesCut
        report.forcedCuts += o.forcedCuts
        report.prunings += o.prunings
        report.prunedEntries += o.prunedEntries
        report.prunedOccurrences += o.prunedOccurrences
        report.heldOutBytes += o.heldOutBytes
        report.peakTableBytes = max(report.peakTableBytes, o.peakTableBytes, counts.memoryBytes)
        var kept = heldOut.reduce(0) { $0 + $1.count }
        for text in other.heldOut where kept < options.holdoutSampleLimit { heldOut.append(text); kept += text.count }
        if counts.memoryBytes > options.memoryLimit {
            BPETrainer.prune(&counts, limit: options.memoryLimit, threads: threads, report: &report)
        }
        report.recordPreTokens(of: counts)
        TrainingReport.add(o.phases, to: &report.phases)
        TrainingReport.add(o.countSteps, to: &report.countSteps)
    }
}
