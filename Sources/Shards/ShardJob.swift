import BPE
import Cleaning
import Corpus
import Crypto
import Dispatch
import Foundation
import Normalizer
import Synchronization
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// The exact-deduplication key of a cleaned document: the first 16 bytes of its SHA-256.
public typealias DocumentKey = SIMD16<UInt8>


/// `tokenmill shard`: inputs → cleaned, deduplicated, tokenized documents → train/val shards,
/// with a journal that makes a killed run resumable.
///
/// Resume works by deterministic replay: the run is a pure function of the options and the
/// inputs, so after a kill the inputs are read and cleaned again (cheap) to rebuild the dedup
/// set and the split ordinals, and every document that the journal says is already inside a
/// finished shard is skipped instead of being tokenized and written again.
public final class ShardJob {
    public let options: ShardOptions
    public let directory: String
    public let threads: Int
    public var progress: ((ShardProgress) -> Void)?
    /// Called with each non-fatal problem (a record skipped, an input abandoned).
    public var warning: ((String) -> Void)?
    /// Set when this job is one rank's share of a larger job: true when the document with this
    /// key, found in input `index` (of `options.inputs`), also occurs in an earlier input that
    /// another rank processes; the document is then dropped as a duplicate, as one process
    /// reading every input in order would have dropped it.
    public var isEarlierDuplicate: ((DocumentKey, Int) -> Bool)?
    /// The on-disk size of all inputs, taken when `run()` starts (progress only).
    var inputBytesTotal: Int64 = 0
    /// `--dropped-out DIR`: every dropped document that had text, as `dropped-NNNNNN.jsonl.zst`
    /// per input (see `DroppedWriter`). Not part of the options: it does not change the shards.
    public var droppedOut: String?
    /// `--minhash-memory`: bytes of MinHash bucket entries held before they spill to disk.
    public var minhashMemory = NearDuplicateIndex.defaultMemoryBytes
    /// Set when this job is one rank's share: the global input index of each of `options.inputs`
    /// (names `--dropped-out` files as one process would), and the near duplicates the ranks
    /// found together (`DistributedShard`), used instead of this job's own first pass.
    public var inputNumbers: [Int]?
    public var sharedNearDuplicates: SharedNearDuplicates?

    /// Nil for a text-only job (`tokenmill clean`, `init(textOptions:)`).
    let tokenizer: Tokenizer!
    let header: ShardHeader!
    let fingerprintHex: String
    /// The journal of a shard run; nil for a text-only job (it writes one file, atomically).
    var journal: Journal?
    /// The cleaning steps of `options.cleaning`, when any is on.
    let cleaning: CleaningPipeline?
    /// The text-only job's output (`tokenmill clean`), while it runs.
    var textSink: TextSink?
    /// `runTextParts`: the directory of the per-input part files, while it runs.
    var textParts: String?

    public init(options: ShardOptions, directory: String, threads: Int = ThreadCount.default) throws {
        self.options = options
        self.directory = directory
        self.threads = max(1, threads)
        cleaning = options.cleaning.flatMap { $0.isEmpty ? nil : CleaningPipeline($0) }
        var tokenizer = try Tokenizer.load(options.tokenizer)
        tokenizer.maxPieceBytes = options.maxPieceBytes ?? Int.max
        self.tokenizer = tokenizer
        let fingerprint = try ShardFingerprint.of(tokenizer)
        fingerprintHex = Hex.encode(fingerprint)
        header = ShardHeader(tokenBytes: tokenizer.vocabularySize <= 1 << 16 ? 2 : 4, vocabularySize: tokenizer.vocabularySize,
                             endOfText: tokenizer.specialTokenID("<|endoftext|>"), fingerprint: fingerprint)
        guard options.shardTokens > 0, options.blockTokens > 0, options.blockTokens <= ShardFormat.maxBlockTokens, options.valFraction >= 0, options.valFraction <= 1 else {
            throw ShardError("invalid options: --shard-tokens must be positive, block tokens within 1…\(ShardFormat.maxBlockTokens) and --val-fraction within 0…1")
        }
        try Self.checkStandardInput(options)
    }

    /// A job that cleans without tokenizing (`tokenmill clean`): `runText(to:)` writes the kept
    /// documents as JSON Lines. `options.tokenizer` and the shard settings are not used.
    public init(textOptions options: ShardOptions, threads: Int = ThreadCount.default) throws {
        self.options = options
        directory = ""
        self.threads = max(1, threads)
        cleaning = options.cleaning.flatMap { $0.isEmpty ? nil : CleaningPipeline($0) }
        tokenizer = nil
        header = nil
        fingerprintHex = ""
        try Self.checkStandardInput(options)
    }

    /// Documents cleaned and tokenized together: up to 8 MiB or 4096 documents, enough to keep
    /// every core busy, small enough to bound memory.
    struct Batch {
        var raw: [Document] = []
        var bytes = 0
        var isFull: Bool { bytes >= 8 << 20 || raw.count >= 4096 }
        mutating func append(_ document: Document) { raw.append(document); bytes += document.bytes.count }
    }

    struct State {
        var ordinals: [DataSplit: Int] = [.train: 0, .val: 0]
        var skip: [DataSplit: Int] = [.train: 0, .val: 0]
        var shardIndex: [DataSplit: Int] = [.train: 0, .val: 0]
        var writers: [DataSplit: ShardWriter] = [:]
        var shards: [ShardSummary] = []
        /// Standard input while it is being read; journal entries of shards finished before a
        /// resumed run has checked its prefix (see `StandardInput`).
        var stdin: StandardInput? = nil
        var heldBack: [JournalEntry] = []
        var seen = Set<DocumentKey>()
        var dropped: [String: DropReport] = [:]
        var inputs: [InputRecord] = []
        var documentsRead = 0
        var documentsKept = 0
        var bytesIn = 0
        /// On-disk bytes of the inputs finished (read to their end, or abandoned), for progress.
        var inputBytesDone: Int64 = 0
        var textBytes = 0
        var repairs = RepairReport()
        var replacementWarnings = 0
        /// The input being read (its path and SHA-256), journalled with each shard closed meanwhile.
        var reading: InputRecord?
        /// Resume: the SHA-256 each input had in the interrupted run, for inputs that already
        /// contributed documents to finished shards (or were finished).
        var journalledInputs: [String: InputRecord] = [:]
        var splitTotals: [DataSplit: SplitTotals] = [.train: SplitTotals(), .val: SplitTotals()]
        /// Counters of the cleaning steps (`c4_quality.line_kept`, `pii.emails`, …), summed in input order.
        var cleaningCounters: [String: Int] = [:]
        /// MinHash: the documents (by `documentsRead` ordinal) that are near duplicates of an earlier one.
        var nearDuplicates: DocumentSet? = nil
        var droppedWriter: DroppedWriter? = nil
        /// Language identification: per detected language, documents seen and kept, in input order.
        var languages: [String: LanguageCount] = [:]
    }

    /// Runs (or finishes) the job. Returns the manifest, also written to `DIR/manifest.json`.
    @discardableResult
    public func run() throws -> Manifest {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let optionsJSON = String(decoding: try JSONOutput.encode(options, .document), as: UTF8.self)
        if let manifest = try Manifest.finished(directory: directory, options: options) { return manifest }
        try Self.requireShardSetOrEmpty(directory)
        let journal = try Journal(path: directory + "/journal.jsonl")
        self.journal = journal
        var state = State()
        var stdinExpected: (bytes: Int, sha256: String)? = nil
        if let start = journal.entries.first {
            guard case .start(let options, let fingerprint) = start, options == optionsJSON, fingerprint == fingerprintHex else {
                throw ShardError("\(directory) holds an interrupted run with different options or tokenizer; re-run it with the same command, or choose a new output directory (or delete \(directory))")
            }
            try resume(&state)
            // Standard input: the prefix the last surviving shard was cut from must come again
            // (or, if it was read to its end, the whole stream).
            let kept = Set(state.shards.map { $0.file + " " + $0.sha256 })
            for case .shard(let finished) in journal.entries where kept.contains(finished.summary.file + " " + finished.summary.sha256) {
                if let stdin = finished.stdin { stdinExpected = (stdin.bytes, stdin.sha256) }
            }
            for case .input(let input) in journal.entries where input.path == "-" && input.error == nil {
                stdinExpected = (input.size, input.sha256)
            }
        } else {
            try journal.append(.start(options: optionsJSON, fingerprint: fingerprintHex))
        }
        // Unfinished files of an interrupted run are rewritten from scratch; only names this
        // tool writes are removed, never a user's own `*.tmp` file.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where Self.isOwnTemporary(name) {
            unlink(directory + "/" + name)
        }

        try findNearDuplicates(&state, spillArea: directory)
        try readInputs(&state, stdinExpected: stdinExpected)
        for split in DataSplit.allCases { try closeShard(split, &state) }

        // The tokenizer copy, then the manifest: its presence marks the run complete.
        var tokenizerFile = try OutputWriter(path: directory + "/tokenizer.json")
        try tokenizerFile.write(Array(try tokenizer.huggingFaceJSON()))
        try tokenizerFile.close()
        state.repairs.piecesCut = tokenizer.piecesCut
        var totals = state.splitTotals
        for shard in state.shards { totals[shard.split, default: SplitTotals()].shards += 1 }
        for split in DataSplit.allCases {
            totals[split]!.tokens = state.shards.filter { $0.split == split }.reduce(0) { $0 + $1.tokens }
            totals[split]!.documents = state.shards.filter { $0.split == split }.reduce(0) { $0 + $1.documents }
        }
        let manifest = Manifest(
            tokenizer: .init(name: options.tokenizer, fingerprint: fingerprintHex, file: "tokenizer.json", vocabularySize: header.vocabularySize,
                             tokenBytes: header.tokenBytes, endOfText: header.endOfText),
            normalization: options.normalization, options: options, inputs: state.inputs, shards: state.shards, splits: totals,
            dropped: state.dropped, documentsRead: state.documentsRead, documentsKept: state.documentsKept, bytesIn: state.bytesIn,
            bytesOut: state.shards.reduce(0) { $0 + $1.bytes }, tokens: state.shards.reduce(0) { $0 + $1.tokens }, textBytes: state.textBytes, repairs: state.repairs,
            cleaning: options.cleaning == nil ? nil : state.cleaningCounters,
            languages: options.cleaning?.language == nil ? nil : state.languages)
        try manifest.write(to: directory)
        try journal.append(.complete)
        return manifest
    }
}
