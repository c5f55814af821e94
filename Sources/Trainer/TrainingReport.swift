import Foundation

/// Timings and figures of one training run (the human report and `--json`).
public struct TrainingReport: Sendable, Codable {
    public struct Phase: Sendable, Codable {
        public var name: String
        public var seconds: Double
        public init(name: String, seconds: Double) { self.name = name; self.seconds = seconds }
    }
    public struct Merge: Sendable, Codable { public var left: String; public var right: String; public var count: Int64 }

    public var files = 0
    public var documents = 0
    /// Bytes read (after decompression), before UTF-8 repair and normalization.
    public var corpusBytes = 0
    /// Bytes that went into pre-token counting (after normalization).
    public var trainedBytes = 0
    public var utf8Replacements = 0
    /// Pre-tokens longer than `--max-piece-bytes`, counted in parts (see TrainerOptions.maxPieceBytes).
    public var piecesCut = 0
    /// Document stretches longer than 16 MiB without a safe cut, cut there (DocumentChunker).
    public var forcedCuts = 0
    public var preTokens: UInt64 = 0
    public var uniquePreTokens = 0
    /// The total length of the unique pre-tokens trained on (what the merge loop's memory follows).
    public var uniquePreTokenBytes = 0
    public var prunings = 0
    public var prunedEntries = 0
    public var prunedOccurrences: UInt64 = 0
    /// prunedOccurrences / all pre-token occurrences.
    public var prunedFraction = 0.0
    public var peakTableBytes = 0
    /// The process's peak resident set size (getrusage) before the merge loop and at the end.
    public var countPeakRSS = 0
    public var peakRSS = 0
    public var memoryLimit = 0
    public var threads = 1
    /// Threads the merge loop ran on: `threads`, capped by the cores and by the memory limit
    /// (`MergeLoop.threads`); the merges do not depend on it.
    public var mergeThreads = 1
    public var vocabSize = 0
    public var merges = 0
    public var duplicateMerges = 0
    public var stopReason = ""
    public var heldOutBytes = 0
    public var heldOutEvaluatedBytes = 0
    public var heldOutTokens = 0
    public var bytesPerToken: Double? = nil
    public var phases: [Phase] = []
    /// The count phase's steps: reading and chunking (one thread), counting chunks (map, all
    /// threads), folding their tables into the global one and pruning (reduce, all threads).
    public var countSteps: [Phase] = []
    public var firstMerges: [Merge] = []
    public var lastMerges: [Merge] = []

    public init() {}

    /// The human-readable report.
    public var summary: String {
        var lines: [String] = []
        let mb = { (n: Int) in String(format: "%.1f MB", Double(n) / 1e6) }
        lines.append("corpus: \(files) file(s), \(documents) document(s), \(mb(corpusBytes)) read, \(mb(trainedBytes)) trained on, \(mb(heldOutBytes)) held back")
        if utf8Replacements > 0 { lines.append("invalid UTF-8: \(utf8Replacements) sequence(s) replaced with U+FFFD") }
        if piecesCut > 0 { lines.append("long pre-tokens: \(piecesCut) longer than --max-piece-bytes counted in parts") }
        if forcedCuts > 0 { lines.append("long runs: \(forcedCuts) stretch(es) of 16 MiB without a line break cut there (the pre-token across each cut counted in two parts)") }
        lines.append("pre-tokens: \(preTokens) total, \(uniquePreTokens) unique; table peak \(mb(peakTableBytes)) of \(mb(memoryLimit)) limit")
        if prunings > 0 {
            lines.append(String(format: "pruned: %d time(s), %d entries, %llu occurrences (%.4f%% of all)",
                                prunings, prunedEntries, prunedOccurrences, prunedFraction * 100))
        }
        if peakRSS > 0 { lines.append("peak RSS: \(mb(countPeakRSS)) counting, \(mb(peakRSS)) in all") }
        lines.append("vocabulary: \(vocabSize) ids, \(merges) merges (\(duplicateMerges) duplicate) on \(mergeThreads) thread(s), stopped: \(stopReason)")
        lines.append("phases: " + phases.map { String(format: "%@ %.2fs", $0.name, $0.seconds) }.joined(separator: ", ")
                     + (countSteps.isEmpty ? "" : " (count: " + countSteps.map { String(format: "%@ %.2fs", $0.name, $0.seconds) }.joined(separator: ", ") + ")"))
        if !firstMerges.isEmpty { lines.append("first merges: " + firstMerges.map { "\($0.left) \($0.right) (\($0.count))" }.joined(separator: ", ")) }
        if !lastMerges.isEmpty { lines.append("last merges: " + lastMerges.map { "\($0.left) \($0.right) (\($0.count))" }.joined(separator: ", ")) }
        if let bpt = bytesPerToken {
            lines.append(String(format: "held-back bytes per token: %.4f (%d bytes, %d tokens)", bpt, heldOutEvaluatedBytes, heldOutTokens))
        }
        return lines.joined(separator: "\n")
    }
}
