import BPE
import Corpus
import Dispatch
import Foundation
import Normalizer
import Synchronization
import TokenmillSupport

extension BPETrainer {
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

    /// Map: batches of `2 × threads` chunks are counted in parallel (each worker takes the next
    /// chunk not taken yet). Reduce: the chunk tables are folded into the global table in chunk order,
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
                // Chunks are taken in order by whichever worker is free (results by index, so
                // the same tables), not a fixed share each, so a slower or descheduled worker does
                // not hold the batch back: map 0.82-0.89 -> 0.77-0.81 s on 2 threads (103.6 MB,
                // nice -20, load 5-5.4, three rounds alternating).
                let counter = Atomic<Int>(0)
                results.withUnsafeMutableBufferPointer { out in
                    nonisolated(unsafe) let out = out
                    DispatchQueue.concurrentPerform(iterations: workers) { _ in
                        while true {
                            let i = counter.wrappingAdd(1, ordering: .relaxed).oldValue
                            guard i < chunks.count else { break }
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
}
