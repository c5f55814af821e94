import BPE
import Foundation

extension BPETrainer {
    /// Prunes `table` to the merge loop's share of the limit, runs the loop (emptying `table` once
    /// the loop has its words, to free it), builds the tokenizer and evaluates the held-back text.
    static func finish(table: inout PreTokenCounts, heldOut: [[UInt8]], options: TrainerOptions, report: TrainingReport,
                       clock: Clock, progress: TrainingProgress?) throws -> TrainingResult {
        var report = report
        // The merge loop needs about `MergeLoop.estimatedBytes` for this table: prune further
        // (same rule) so that it fits in the limit too.
        if MergeLoop.estimatedBytes(entries: table.count, keyBytes: table.keyBytes) > options.memoryLimit {
            prune(&table, threads: max(1, options.threads), report: &report) { entries, keyBytes in
                MergeLoop.estimatedBytes(entries: entries, keyBytes: keyBytes) <= options.memoryLimit
            }
            report.uniquePreTokens = table.count
            if report.preTokens > 0 { report.prunedFraction = Double(report.prunedOccurrences) / Double(report.preTokens) }
        }
        report.uniquePreTokenBytes = table.keyBytes
        report.countPeakRSS = peakResidentBytes()
        let mergeThreads = MergeLoop.threads(requested: options.threads, entries: table.count, keyBytes: table.keyBytes,
                                             limit: options.memoryLimit, wordsPerThread: options.mergeWordsPerThread)
        report.mergeThreads = mergeThreads
        var loop = MergeLoop(words: table, threads: mergeThreads)
        table = PreTokenCounts()   // the loop has its own copy of the words
        let targetTokens = options.vocabSize - options.specialTokens.count
        let start = Date()
        var lastReport = Date.distantPast
        let merged = loop.run(targetTokens: targetTokens, minFrequency: Int64(options.minFrequency),
                              maxTokenLength: options.maxTokenLength ?? Int(Int32.max),
                              threads: mergeThreads) { done, total in
            guard let progress else { return }
            let now = Date()
            guard now.timeIntervalSince(lastReport) > 0.2 || done == total else { return }
            lastReport = now
            let elapsed = now.timeIntervalSince(start)
            let eta = done > 0 ? elapsed / Double(done) * Double(max(0, total - done)) : 0
            progress(String(format: "merging: %d / %d merges, ETA %.0fs", done, total, eta))
        }
        let mergeSeconds = clock.lap()
        report.phases.append(.init(name: "pairs", seconds: merged.setupSeconds))
        report.phases.append(.init(name: "merge", seconds: mergeSeconds - merged.setupSeconds))

        let tokens: [[UInt8]?] = merged.tokens.map { $0 }
        let model = try BytePairModel(tokens: tokens, merges: merged.merges.map { (TokenID($0.left), TokenID($0.right)) })
        var specials: [String: TokenID] = [:]
        for (k, text) in options.specialTokens.enumerated() { specials[text] = TokenID(merged.tokens.count + k) }
        var tokenizer = try Tokenizer(model: model, pattern: options.pattern, specialTokens: specials,
                                      normalization: options.normalization)
        tokenizer.maxPieceBytes = options.maxPieceBytes
        let mergeBytes = merged.merges.map { (left: merged.tokens[Int($0.left)], right: merged.tokens[Int($0.right)]) }
        report.vocabSize = tokenizer.vocabularySize
        report.merges = merged.merges.count
        report.duplicateMerges = merged.duplicateMerges
        report.stopReason = merged.stopReason
        let show = { (i: Int) in TrainingReport.Merge(left: byteLevel(mergeBytes[i].left), right: byteLevel(mergeBytes[i].right), count: merged.mergeCounts[i]) }
        report.firstMerges = (0..<min(5, mergeBytes.count)).map(show)
        report.lastMerges = (max(0, mergeBytes.count - 5)..<mergeBytes.count).map(show)
        report.phases.append(.init(name: "build", seconds: clock.lap()))

        if !heldOut.isEmpty {
            let ids = try tokenizer.encodeBatch(heldOut, specials: .ordinary, threads: max(1, options.threads))
            report.heldOutEvaluatedBytes = heldOut.reduce(0) { $0 + $1.count }
            report.heldOutTokens = ids.reduce(0) { $0 + $1.count }
            if report.heldOutTokens > 0 { report.bytesPerToken = Double(report.heldOutEvaluatedBytes) / Double(report.heldOutTokens) }
            report.phases.append(.init(name: "evaluate", seconds: clock.lap()))
        }
        report.peakRSS = peakResidentBytes()
        return TrainingResult(tokenizer: tokenizer, merges: mergeBytes, report: report)
    }

    /// GPT-2's byte-level spelling of bytes (as tokenizer.json writes tokens).
    /// BPE's `ByteLevelAlphabet` is the one owner of the map.
    public static func byteLevel(_ bytes: [UInt8]) -> String { ByteLevelAlphabet.encode(bytes) }
}
