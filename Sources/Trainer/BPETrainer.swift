import BPE
import Corpus

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
            throw TrainerError(.invalidOption("--input-format"), "--input-format: expected text or jsonl, found \(options.inputFormat.rawValue) (train-tokenizer reads no other format)")
        }
        let minimum = 256 + options.specialTokens.count
        guard options.vocabSize >= minimum else {
            throw TrainerError(.invalidOption("--vocab-size"), "--vocab-size \(options.vocabSize) is too small: the 256 byte tokens and \(options.specialTokens.count) special token(s) need \(minimum)")
        }
        guard Set(options.specialTokens).count == options.specialTokens.count else { throw TrainerError(.invalidOption("--special"), "--special lists a token twice") }
        guard !options.specialTokens.contains("") else { throw TrainerError(.invalidOption("--special"), "--special: a special token cannot be empty") }
        for special in options.specialTokens where special.unicodeScalars.count == 1 || special.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil }) {
            // Hugging Face matches special tokens before splitting, so every "a" in the text
            // would become the special token; tiktoken refuses any text that contains one.
            throw TrainerError(.invalidOption("--special"), "--special \(special): a special token must not be text that occurs inside ordinary words (one character, or letters and digits only): Hugging Face would turn every \"\(special)\" in the text into it, and tiktoken refuses any text that contains it; use a marked form such as <|\(special)|>")
        }
        guard options.holdoutFraction >= 0 && options.holdoutFraction < 1 else { throw TrainerError(.invalidOption("--holdout"), "--holdout must be in [0, 1)") }
        if options.normalization == .nfkcCasefold {
            throw TrainerError(.invalidOption("--normalize"), "--normalize nfkc-cf cannot be written to tokenizer.json; use nfkc or nfc")
        }
        if let m = options.maxTokenLength, m < 1 { throw TrainerError(.invalidOption("--max-token-length"), "--max-token-length must be at least 1") }
        if options.maxPieceBytes < PreTokenizer.minimumMaxPieceBytes {
            throw TrainerError(.invalidOption("--max-piece-bytes"), "--max-piece-bytes \(options.maxPieceBytes): expected at least \(PreTokenizer.minimumMaxPieceBytes) (default \(PreTokenizer.defaultMaxPieceBytes))")
        }
    }
}
