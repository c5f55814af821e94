import BPE
import Corpus
import Dispatch
import Foundation
import Normalizer
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

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
        lines.append("vocabulary: \(vocabSize) ids, \(merges) merges (\(duplicateMerges) duplicate), stopped: \(stopReason)")
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

/// A trained tokenizer, its merges as bytes, and the report.
public struct TrainingResult: Sendable {
    public var tokenizer: Tokenizer
    public var merges: [(left: [UInt8], right: [UInt8])]
    public var report: TrainingReport
}

/// Progress lines for a terminal; `nil` callbacks mean quiet.
public typealias TrainingProgress = (String) -> Void

public struct TrainerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Byte-level BPE training in three separable phases: count pre-tokens over all cores
/// (`countPreTokens`), merge counts from several sources (`CountingResult.merge`), train merges
/// from the counts (`train(counts:)`). `train(files:)` runs the first and the last.
///
/// Determinism: inputs are sorted by path; they are cut into chunks at safe boundaries that do
/// not depend on the thread count; chunk tables are folded into the global table in chunk order
/// (each shard of it by one thread), and pruning decisions depend only on that table's contents.
/// The merge loop's choices depend only on the multiset of (pre-token, count). So the output is
/// the same for any thread count and input order.
public enum BPETrainer {
    /// Trains on files (text, JSONL; .zst and .gz are decompressed; directories are walked; "-" is
    /// standard input).
    public static func train(files: [String], options: TrainerOptions, progress: TrainingProgress? = nil) throws -> TrainingResult {
        try train(counts: countPreTokens(files: files, options: options, progress: progress), options: options, progress: progress)
    }

    /// Phase 1: reads, normalizes, splits and counts the inputs (text files and JSONL streamed
    /// chunk by chunk on `options.threads` threads), pruning the table to `options.memoryLimit`.
    public static func countPreTokens(files: [String], options: TrainerOptions, progress: TrainingProgress? = nil) throws -> CountingResult {
        try validate(options)
        var report = TrainingReport()
        report.threads = max(1, options.threads)
        report.memoryLimit = options.memoryLimit
        let clock = Clock()
        let paths = try expandInputs(files)
        report.files = paths.count
        var source = ChunkSource(files: paths, options: options)
        var counted = try countPreTokens(source: &source, options: options, report: &report, progress: progress)
        report.corpusBytes = source.bytesRead
        report.documents = source.documents
        report.forcedCuts = source.chunker.forcedCuts
        report.phases.append(.init(name: "count", seconds: clock.lap()))
        counted.report = report
        return counted
    }

    /// Phase 3: the merge loop on counted pre-tokens (from `countPreTokens`, possibly merged with
    /// other counts), then the tokenizer and the held-back evaluation.
    /// Takes `counts` over (`consuming`), so the table can be freed once the merge loop has copied
    /// the words.
    public static func train(counts: consuming CountingResult, options: TrainerOptions, progress: TrainingProgress? = nil) throws -> TrainingResult {
        try validate(options)
        var counted = counts
        return try finish(table: &counted.counts, heldOut: counted.heldOut, options: options, report: counted.report, clock: Clock(), progress: progress)
    }

    /// Trains on in-memory documents (each one a document), with the same chunking as files.
    public static func train(documents: [[UInt8]], options: TrainerOptions, progress: TrainingProgress? = nil) throws -> TrainingResult {
        try validate(options)
        var report = TrainingReport()
        report.threads = max(1, options.threads)
        report.memoryLimit = options.memoryLimit
        let clock = Clock()
        var chunker = DocumentChunker(chunkSize: options.chunkSize)
        for doc in documents where !doc.isEmpty {
            report.documents += 1
            report.corpusBytes += doc.count
            doc.withUnsafeBufferPointer { chunker.add($0) }
        }
        chunker.flush()
        report.forcedCuts = chunker.forcedCuts
        var iterator = chunker.ready.makeIterator()
        var counted = try countChunks(next: { iterator.next() }, bytesRead: { 0 }, options: options, report: &report, progress: progress)
        report.phases.append(.init(name: "count", seconds: clock.lap()))
        return try finish(table: &counted.counts, heldOut: counted.heldOut, options: options, report: report, clock: clock, progress: progress)
    }

    /// Trains on explicit (pre-token bytes, count) pairs: no normalization or splitting.
    public static func train(wordCounts: [([UInt8], UInt64)], options: TrainerOptions) throws -> TrainingResult {
        try validate(options)
        var table = PreTokenCounts()
        for (bytes, count) in wordCounts where !bytes.isEmpty { table.add(bytes, count: count) }
        var report = TrainingReport()
        report.uniquePreTokens = table.count
        report.preTokens = table.totalOccurrences
        return try finish(table: &table, heldOut: [], options: options, report: report, clock: Clock(), progress: nil)
    }

    static func validate(_ options: TrainerOptions) throws {
        guard TrainerOptions.supportedInputFormats.contains(options.inputFormat) else {
            throw TrainerError("--input-format: expected text or jsonl, found \(options.inputFormat.rawValue) (train-tokenizer reads no other format)")
        }
        let minimum = 256 + options.specialTokens.count
        guard options.vocabSize >= minimum else {
            throw TrainerError("--vocab-size \(options.vocabSize) is too small: the 256 byte tokens and \(options.specialTokens.count) special token(s) need \(minimum)")
        }
        guard Set(options.specialTokens).count == options.specialTokens.count else { throw TrainerError("--special lists a token twice") }
        guard !options.specialTokens.contains("") else { throw TrainerError("--special: a special token cannot be empty") }
        for special in options.specialTokens where special.unicodeScalars.count == 1 || special.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil }) {
            // Hugging Face matches special tokens before splitting, so every "a" in the text
            // would become the special token; tiktoken refuses any text that contains one.
            throw TrainerError("--special \(special): a special token must not be text that occurs inside ordinary words (one character, or letters and digits only): Hugging Face would turn every \"\(special)\" in the text into it, and tiktoken refuses any text that contains it; use a marked form such as <|\(special)|>")
        }
        guard options.holdoutFraction >= 0 && options.holdoutFraction < 1 else { throw TrainerError("--holdout must be in [0, 1)") }
        if options.normalization == .nfkcCasefold {
            throw TrainerError("--normalize nfkc-cf cannot be written to tokenizer.json; use nfkc or nfc")
        }
        if let m = options.maxTokenLength, m < 1 { throw TrainerError("--max-token-length must be at least 1") }
        if options.maxPieceBytes < PreTokenizer.minimumMaxPieceBytes {
            throw TrainerError("--max-piece-bytes \(options.maxPieceBytes): expected at least \(PreTokenizer.minimumMaxPieceBytes) (default \(PreTokenizer.defaultMaxPieceBytes))")
        }
    }

    // MARK: - Counting

    static func countPreTokens(source: inout ChunkSource, options: TrainerOptions, report: inout TrainingReport,
                               progress: TrainingProgress?) throws -> CountingResult {
        var error: Error?
        var src = source
        defer { source = src }
        let result = try countChunks(next: {
            do { return try src.next() } catch let e { error = e; return nil }
        }, bytesRead: { src.bytesRead }, options: options, report: &report, progress: progress)
        if let error { throw error }
        return result
    }

    /// The per-chunk result of the map step: the chunk's table, grouped by shard for the fold.
    struct ChunkCount {
        var table = ShardedChunk(PieceTable(capacity: 1))
        var trainedBytes = 0
        var heldBytes = 0
        var held: [[UInt8]] = []
        var replacements = 0
        var piecesCut = 0
    }

    /// Map: batches of `2 × threads` chunks are counted in parallel (worker w takes chunks w,
    /// w + threads, …). Reduce: the chunk tables are folded into the global table in chunk order,
    /// every shard by one of `threads` threads; after each chunk the table is pruned if over the
    /// limit. (When a batch cannot reach the limit — `memoryBound` — it is folded in one pass, with
    /// the same result.) Both steps use all threads; the state after each chunk does not depend on
    /// their number. O(input bytes) time; memory: the global table (≤ the limit) + 2 × threads chunks
    /// and their tables.
    static func countChunks(next: () -> Chunk?, bytesRead: () -> Int, options: TrainerOptions,
                            report: inout TrainingReport, progress: TrainingProgress?) throws -> CountingResult {
        let threads = max(1, options.threads)
        let preTokenizer = try PreTokenizer(pattern: options.pattern)
        let normalizer = UnicodeNormalizer(form: options.normalization)
        var global = PreTokenCounts()
        var heldOut: [[UInt8]] = []
        var heldKept = 0
        let start = Date()
        var readNanos: UInt64 = 0, mapNanos: UInt64 = 0, foldNanos: UInt64 = 0
        func lap(_ t: inout UInt64, _ total: inout UInt64) {
            let now = DispatchTime.now().uptimeNanoseconds
            total += now - t
            t = now
        }
        var done = false
        while !done {
            var batch: [Chunk] = []
            var t0 = DispatchTime.now().uptimeNanoseconds
            while batch.count < threads * 2, let c = next() { batch.append(c) }
            lap(&t0, &readNanos)
            if batch.isEmpty { break }
            if batch.count < threads * 2 { done = true }
            var results = [ChunkCount](repeating: ChunkCount(), count: batch.count)
            if threads == 1 || batch.count == 1 {
                for i in 0..<batch.count {
                    results[i] = countChunk(batch[i], preTokenizer: preTokenizer, normalizer: normalizer, options: options)
                }
            } else {
                let workers = min(threads, batch.count)
                let chunks = batch
                results.withUnsafeMutableBufferPointer { out in
                    nonisolated(unsafe) let out = out
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        for i in stride(from: w, to: chunks.count, by: workers) {
                            out[i] = countChunk(chunks[i], preTokenizer: preTokenizer, normalizer: normalizer, options: options)
                        }
                    }
                }
            }
            lap(&t0, &mapNanos)
            batch = []
            for r in results {
                report.trainedBytes += r.trainedBytes
                report.heldOutBytes += r.heldBytes
                report.utf8Replacements += r.replacements
                report.piecesCut += r.piecesCut
                for text in r.held where heldKept < options.holdoutSampleLimit {
                    heldOut.append(text); heldKept += text.count
                }
            }
            var tables = results.map(\.table)
            results = []
            if global.memoryBound(adding: tables) <= options.memoryLimit {
                // No pruning can be due within this batch: fold it in one parallel pass.
                global.merge(tables, threads: threads)
                report.peakTableBytes = max(report.peakTableBytes, global.memoryBytes)
            } else {
                // Near the limit: fold chunk by chunk, pruning first when a chunk could take the
                // table over the limit, and after it if it did.
                for i in tables.indices {
                    let table = tables[i]
                    tables[i] = ShardedChunk(PieceTable(capacity: 1))   // free it once folded
                    if global.memoryBound(adding: [table]) > options.memoryLimit {
                        prune(&global, limit: options.memoryLimit, threads: threads, report: &report)
                    }
                    global.merge(table, threads: threads)
                    report.peakTableBytes = max(report.peakTableBytes, global.memoryBytes)
                    if global.memoryBytes > options.memoryLimit { prune(&global, limit: options.memoryLimit, threads: threads, report: &report) }
                }
            }
            lap(&t0, &foldNanos)
            if let progress {
                let read = max(bytesRead(), report.trainedBytes + report.heldOutBytes)
                let seconds = Date().timeIntervalSince(start)
                progress(String(format: "counting: %.1f MB read, %.1f MB/s, %d unique pre-tokens",
                                Double(read) / 1e6, Double(read) / 1e6 / max(seconds, 1e-9), global.count))
            }
        }
        report.recordPreTokens(of: global)
        report.countSteps = [.init(name: "read", seconds: Double(readNanos) / 1e9),
                             .init(name: "map", seconds: Double(mapNanos) / 1e9),
                             .init(name: "fold", seconds: Double(foldNanos) / 1e9)]
        return CountingResult(counts: global, heldOut: heldOut, report: report)
    }

    static func countChunk(_ chunk: Chunk, preTokenizer: PreTokenizer, normalizer: UnicodeNormalizer,
                           options: TrainerOptions) -> ChunkCount {
        var result = ChunkCount()
        var table = PieceTable(capacity: 1 << 14)
        var bytes = chunk.bytes
        var ends = chunk.documentEnds
        let invalid = bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) }
        if invalid != nil {
            // Repair document by document so the document ends stay right.
            var repaired: [UInt8] = []
            var newEnds: [Int] = []
            var s = 0
            for e in ends {
                let r = UTF8Validation.repair(Array(bytes[s..<e]))
                result.replacements += r.replacements
                repaired.append(contentsOf: r.bytes)
                newEnds.append(repaired.count)
                s = e
            }
            bytes = repaired; ends = newEnds
        }
        // Hold back the tail of each document piece from the first safe cut after (1 - f) of it
        // (so the hold-out does not depend on how documents are packed into chunks).
        var segments: [Range<Int>] = []
        var s = 0
        for e in ends {
            var trainEnd = e
            if options.holdoutFraction > 0 && e - s > 1 {
                let from = max(s + 1, s + Int(Double(e - s) * (1 - options.holdoutFraction)))
                if let cut = bytes.withUnsafeBufferPointer({ safeCut($0, from: from, to: e) }) { trainEnd = cut }
            }
            if trainEnd < e {
                result.heldBytes += e - trainEnd
                result.held.append(Array(bytes[trainEnd..<e]))
            }
            if trainEnd > s { segments.append(s..<trainEnd) }
            s = e
        }
        let normalizing = options.normalization != .none
        bytes.withUnsafeBufferPointer { all in
            for seg in segments {
                let piece = UnsafeBufferPointer(rebasing: all[seg])
                if normalizing {
                    var normalized: [UInt8] = []
                    normalized.reserveCapacity(piece.count + 16)
                    _ = normalizer.append(normalizing: piece, to: &normalized)
                    result.trainedBytes += normalized.count
                    normalized.withUnsafeBufferPointer { n in
                        let base = n.baseAddress!
                        result.piecesCut += preTokenizer.forEachPiece(in: n, maxBytes: options.maxPieceBytes) { a, b in table.add(base + a, b - a) }
                    }
                } else {
                    result.trainedBytes += piece.count
                    let base = piece.baseAddress!
                    result.piecesCut += preTokenizer.forEachPiece(in: piece, maxBytes: options.maxPieceBytes) { a, b in table.add(base + a, b - a) }
                }
            }
        }
        result.table = ShardedChunk(table)
        return result
    }

    /// The pruning rule: drop every entry whose count is ≤ t, for the smallest t that brings the
    /// table to at most half the limit. Entries with equal counts go together, so the choice
    /// depends only on the table's contents. O(entries + distinct counts · log).
    static func prune(_ table: inout PreTokenCounts, limit: Int, threads: Int, report: inout TrainingReport) {
        // An upper bound of `memoryBytes`: arena and per-entry arrays (28 B) under twice their
        // length, slots (4 B) under four per entry.
        prune(&table, threads: threads, report: &report) { entries, keyBytes in 2 * keyBytes + 72 * entries <= limit / 2 }
    }

    /// Drops every entry whose count is ≤ t, for the smallest t after which `fits(entries, key
    /// bytes)` holds (nothing if it already holds). O(shards) when it already holds, else
    /// O(entries + distinct counts · log).
    static func prune(_ table: inout PreTokenCounts, threads: Int, report: inout TrainingReport,
                      fits: (_ entries: Int, _ keyBytes: Int) -> Bool) {
        var entries = table.count, arena = table.keyBytes
        if fits(entries, arena) { return }   // before the O(entries) pass below
        var byCount: [UInt64: (entries: Int, bytes: Int)] = [:]
        for shard in table.shards {
            for i in 0..<shard.count {
                byCount[shard.counts[i], default: (0, 0)].entries += 1
                byCount[shard.counts[i], default: (0, 0)].bytes += Int(shard.lengths[i])
            }
        }
        var threshold: UInt64 = 0
        for c in byCount.keys.sorted() {
            if fits(entries, arena) { break }
            entries -= byCount[c]!.entries
            arena -= byCount[c]!.bytes
            threshold = c
        }
        var droppedEntries = 0
        var droppedOccurrences: UInt64 = 0
        for (c, v) in byCount where c <= threshold {
            droppedEntries += v.entries; droppedOccurrences += c * UInt64(v.entries)
        }
        table.drop(countsUpTo: threshold, threads: threads)
        report.prunings += 1
        report.prunedEntries += droppedEntries
        report.prunedOccurrences += droppedOccurrences
    }

    // MARK: - Merging and output

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
        var loop = MergeLoop(words: table)
        table = PreTokenCounts()   // the loop has its own copy of the words
        let targetTokens = options.vocabSize - options.specialTokens.count
        let start = Date()
        var lastReport = Date.distantPast
        let merged = loop.run(targetTokens: targetTokens, minFrequency: Int64(options.minFrequency),
                              maxTokenLength: options.maxTokenLength ?? Int(Int32.max)) { done, total in
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

/// The process's peak resident set size so far, in bytes (Linux reports kilobytes).
func peakResidentBytes() -> Int {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
    return Int(usage.ru_maxrss) * 1024
}

/// Lap timer.
final class Clock: @unchecked Sendable {
    var last = Date()
    func lap() -> Double {
        let now = Date()
        defer { last = now }
        return now.timeIntervalSince(last)
    }
}
