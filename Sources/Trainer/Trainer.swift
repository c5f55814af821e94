import BPE
import Corpus
import Dispatch
import Foundation
import Normalizer
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
    public var preTokens: UInt64 = 0
    public var uniquePreTokens = 0
    public var prunings = 0
    public var prunedEntries = 0
    public var prunedOccurrences: UInt64 = 0
    /// prunedOccurrences / all pre-token occurrences.
    public var prunedFraction = 0.0
    public var peakTableBytes = 0
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
    public var firstMerges: [Merge] = []
    public var lastMerges: [Merge] = []

    public init() {}

    /// The human-readable report.
    public var summary: String {
        var lines: [String] = []
        let mb = { (n: Int) in String(format: "%.1f MB", Double(n) / 1e6) }
        lines.append("corpus: \(files) file(s), \(documents) document(s), \(mb(corpusBytes)) read, \(mb(trainedBytes)) trained on, \(mb(heldOutBytes)) held back")
        if utf8Replacements > 0 { lines.append("invalid UTF-8: \(utf8Replacements) sequence(s) replaced with U+FFFD") }
        lines.append("pre-tokens: \(preTokens) total, \(uniquePreTokens) unique; table peak \(mb(peakTableBytes)) of \(mb(memoryLimit)) limit")
        if prunings > 0 {
            lines.append(String(format: "pruned: %d time(s), %d entries, %llu occurrences (%.4f%% of all)",
                                prunings, prunedEntries, prunedOccurrences, prunedFraction * 100))
        }
        lines.append("vocabulary: \(vocabSize) ids, \(merges) merges (\(duplicateMerges) duplicate), stopped: \(stopReason)")
        lines.append("phases: " + phases.map { String(format: "%@ %.2fs", $0.name, $0.seconds) }.joined(separator: ", "))
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

/// Byte-level BPE training: count pre-tokens over all cores, then merge.
///
/// Determinism: inputs are sorted by path; they are cut into chunks at safe boundaries that do
/// not depend on the thread count; chunk tables are folded into the global table in chunk order,
/// and pruning decisions depend only on that table. The merge loop's choices depend only on the
/// multiset of (pre-token, count). So the output is the same for any thread count and input order.
public enum BPETrainer {
    /// Trains on files (text, JSONL; .zst and .gz are decompressed; directories are walked; "-" is
    /// standard input).
    public static func train(files: [String], options: TrainerOptions, progress: TrainingProgress? = nil) throws -> TrainingResult {
        try validate(options)
        var report = TrainingReport()
        report.threads = max(1, options.threads)
        report.memoryLimit = options.memoryLimit
        let clock = Clock()
        let paths = try expandInputs(files)
        report.files = paths.count
        var source = ChunkSource(files: paths, options: options)
        let counted = try countPreTokens(source: &source, options: options, report: &report, progress: progress)
        report.corpusBytes = source.bytesRead
        report.documents = source.documents
        report.phases.append(.init(name: "count", seconds: clock.lap()))
        return try finish(table: counted.table, heldOut: counted.heldOut, options: options, report: report, clock: clock, progress: progress)
    }

    /// Trains on in-memory documents (each one a document), with the same chunking as files.
    public static func train(documents: [[UInt8]], options: TrainerOptions, progress: TrainingProgress? = nil) throws -> TrainingResult {
        try validate(options)
        var report = TrainingReport()
        report.threads = max(1, options.threads)
        report.memoryLimit = options.memoryLimit
        let clock = Clock()
        var chunks: [Chunk] = []
        var current = Chunk(bytes: [], documentEnds: [])
        for doc in documents where !doc.isEmpty {
            report.documents += 1
            report.corpusBytes += doc.count
            doc.withUnsafeBufferPointer { b in
                var start = 0
                while start < b.count {
                    var end = b.count
                    if b.count - start > options.chunkSize, let cut = safeCut(b, from: start + options.chunkSize, to: b.count) { end = cut }
                    current.bytes.append(contentsOf: b[start..<end])
                    current.documentEnds.append(current.bytes.count)
                    if current.bytes.count >= options.chunkSize { chunks.append(current); current = Chunk(bytes: [], documentEnds: []) }
                    start = end
                }
            }
        }
        if !current.bytes.isEmpty { chunks.append(current) }
        var iterator = chunks.makeIterator()
        let counted = try countChunks(next: { iterator.next() }, bytesRead: { 0 }, options: options, report: &report, progress: progress)
        report.phases.append(.init(name: "count", seconds: clock.lap()))
        return try finish(table: counted.table, heldOut: counted.heldOut, options: options, report: report, clock: clock, progress: progress)
    }

    /// Trains on explicit (pre-token bytes, count) pairs: no normalization or splitting.
    public static func train(wordCounts: [([UInt8], UInt64)], options: TrainerOptions) throws -> TrainingResult {
        try validate(options)
        var table = PieceTable()
        for (bytes, count) in wordCounts where !bytes.isEmpty {
            bytes.withUnsafeBufferPointer { table.add($0.baseAddress!, $0.count, count: count) }
        }
        var report = TrainingReport()
        report.uniquePreTokens = table.count
        report.preTokens = table.totalOccurrences
        return try finish(table: table, heldOut: [], options: options, report: report, clock: Clock(), progress: nil)
    }

    static func validate(_ options: TrainerOptions) throws {
        let minimum = 256 + options.specialTokens.count
        guard options.vocabSize >= minimum else {
            throw TrainerError("--vocab-size \(options.vocabSize) is too small: the 256 byte tokens and \(options.specialTokens.count) special token(s) need \(minimum)")
        }
        guard Set(options.specialTokens).count == options.specialTokens.count else { throw TrainerError("--special lists a token twice") }
        guard !options.specialTokens.contains("") else { throw TrainerError("--special: a special token cannot be empty") }
        guard options.holdoutFraction >= 0 && options.holdoutFraction < 1 else { throw TrainerError("--holdout must be in [0, 1)") }
        if options.normalization == .nfkcCasefold {
            throw TrainerError("--normalize nfkc-cf cannot be written to tokenizer.json; use nfkc or nfc")
        }
        if let m = options.maxTokenLength, m < 1 { throw TrainerError("--max-token-length must be at least 1") }
    }

    // MARK: - Counting

    struct Counted { var table: PieceTable; var heldOut: [[UInt8]] }

    static func countPreTokens(source: inout ChunkSource, options: TrainerOptions, report: inout TrainingReport,
                               progress: TrainingProgress?) throws -> Counted {
        var error: Error?
        var src = source
        defer { source = src }
        let result = try countChunks(next: {
            do { return try src.next() } catch let e { error = e; return nil }
        }, bytesRead: { src.bytesRead }, options: options, report: &report, progress: progress)
        if let error { throw error }
        return result
    }

    /// The per-chunk result of the map step.
    struct ChunkCount {
        var table = PieceTable(capacity: 1 << 14)
        var trainedBytes = 0
        var heldBytes = 0
        var held: [UInt8] = []
        var replacements = 0
    }

    static func countChunks(next: () -> Chunk?, bytesRead: () -> Int, options: TrainerOptions,
                            report: inout TrainingReport, progress: TrainingProgress?) throws -> Counted {
        let threads = max(1, options.threads)
        let preTokenizer = try PreTokenizer(pattern: options.pattern)
        let normalizer = UnicodeNormalizer(form: options.normalization)
        var global = PieceTable(capacity: 1 << 16)
        var heldOut: [[UInt8]] = []
        var heldKept = 0
        let start = Date()
        var done = false
        while !done {
            var batch: [Chunk] = []
            while batch.count < threads * 2, let c = next() { batch.append(c) }
            if batch.isEmpty { break }
            if batch.count < threads * 2 { done = true }
            var results = [ChunkCount](repeating: ChunkCount(), count: batch.count)
            if threads == 1 || batch.count == 1 {
                for i in 0..<batch.count {
                    results[i] = countChunk(batch[i], preTokenizer: preTokenizer, normalizer: normalizer, options: options)
                }
            } else {
                // `threads` workers; worker w takes chunks w, w + threads, …
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
            for r in results {
                global.merge(r.table)
                report.trainedBytes += r.trainedBytes
                report.heldOutBytes += r.heldBytes
                report.utf8Replacements += r.replacements
                if !r.held.isEmpty && heldKept < options.holdoutSampleLimit {
                    heldOut.append(r.held); heldKept += r.held.count
                }
                report.peakTableBytes = max(report.peakTableBytes, global.memoryBytes)
                if global.memoryBytes > options.memoryLimit { prune(&global, limit: options.memoryLimit, report: &report) }
            }
            if let progress {
                let read = max(bytesRead(), report.trainedBytes + report.heldOutBytes)
                let seconds = Date().timeIntervalSince(start)
                progress(String(format: "counting: %.1f MB read, %.1f MB/s, %d unique pre-tokens",
                                Double(read) / 1e6, Double(read) / 1e6 / max(seconds, 1e-9), global.count))
            }
        }
        report.uniquePreTokens = global.count
        report.preTokens = global.totalOccurrences + report.prunedOccurrences
        if report.preTokens > 0 { report.prunedFraction = Double(report.prunedOccurrences) / Double(report.preTokens) }
        return Counted(table: global, heldOut: heldOut)
    }

    static func countChunk(_ chunk: Chunk, preTokenizer: PreTokenizer, normalizer: UnicodeNormalizer,
                           options: TrainerOptions) -> ChunkCount {
        var result = ChunkCount()
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
        // Hold back the tail of the chunk from the first safe cut after (1 - f) of it.
        var trainEnd = bytes.count
        if options.holdoutFraction > 0 && bytes.count > 0 {
            let from = Int(Double(bytes.count) * (1 - options.holdoutFraction))
            let cut = bytes.withUnsafeBufferPointer { safeCut($0, from: from, to: $0.count) }
            let docCut = ends.first { $0 >= from && $0 < bytes.count }
            if let c = [cut, docCut].compactMap({ $0 }).min() { trainEnd = c }
        }
        if trainEnd < bytes.count {
            result.heldBytes = bytes.count - trainEnd
            result.held = Array(bytes[trainEnd...])
        }
        var segments: [Range<Int>] = []
        var s = 0
        for e in ends {
            let e2 = min(e, trainEnd)
            if e2 > s { segments.append(s..<e2) }
            s = e
            if s >= trainEnd { break }
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
                        preTokenizer.forEachPiece(in: n) { a, b in result.table.add(base + a, b - a) }
                    }
                } else {
                    result.trainedBytes += piece.count
                    let base = piece.baseAddress!
                    preTokenizer.forEachPiece(in: piece) { a, b in result.table.add(base + a, b - a) }
                }
            }
        }
        return result
    }

    /// The pruning rule: drop every entry whose count is ≤ t, for the smallest t that brings the
    /// table to at most half the limit. Entries with equal counts go together, so the choice
    /// depends only on the table's contents.
    static func prune(_ table: inout PieceTable, limit: Int, report: inout TrainingReport) {
        let target = limit / 2
        var byCount: [UInt64: (entries: Int, bytes: Int)] = [:]
        for i in 0..<table.count {
            byCount[table.counts[i], default: (0, 0)].entries += 1
            byCount[table.counts[i], default: (0, 0)].bytes += Int(table.lengths[i])
        }
        var entries = table.count, arena = table.arena.count
        func estimate(_ n: Int, _ a: Int) -> Int {
            var size = 16
            while size < n * 2 { size <<= 1 }
            return a + n * 28 + size * 4
        }
        var threshold: UInt64 = 0
        for c in byCount.keys.sorted() {
            if estimate(entries, arena) <= target { break }
            entries -= byCount[c]!.entries
            arena -= byCount[c]!.bytes
            threshold = c
        }
        var droppedEntries = 0
        var droppedOccurrences: UInt64 = 0
        for i in 0..<table.count where table.counts[i] <= threshold {
            droppedEntries += 1; droppedOccurrences += table.counts[i]
        }
        table = table.filtered { table.counts[$0] > threshold }
        report.prunings += 1
        report.prunedEntries += droppedEntries
        report.prunedOccurrences += droppedOccurrences
    }

    // MARK: - Merging and output

    static func finish(table: PieceTable, heldOut: [[UInt8]], options: TrainerOptions, report: TrainingReport,
                       clock: Clock, progress: TrainingProgress?) throws -> TrainingResult {
        var report = report
        var loop = MergeLoop(words: table)
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
        let tokenizer = try Tokenizer(model: model, pattern: options.pattern, specialTokens: specials,
                                      normalization: options.normalization)
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
        return TrainingResult(tokenizer: tokenizer, merges: mergeBytes, report: report)
    }

    /// GPT-2's byte-level spelling of bytes (as tokenizer.json writes tokens).
    public static func byteLevel(_ bytes: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            let code = printable ? UInt32(b) : 256 + ByteAlphabet.idOfByte[Int(b)] - 188
            s.append(Unicode.Scalar(code)!)
        }
        return String(s)
    }
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
