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

/// Progress of a running job, for a progress line.
public struct ShardProgress: Sendable {
    public var inputIndex: Int
    public var inputCount: Int
    public var bytesRead: Int
    public var documents: Int
    public var tokens: Int
    public var seconds: Double
    /// On-disk bytes of the inputs finished so far, and of all inputs (for percent and ETA).
    public var inputBytesDone: Int64 = 0
    public var inputBytesTotal: Int64 = 0
}

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

    static func checkStandardInput(_ options: ShardOptions) throws {
        if options.inputs.contains("-") {
            guard options.inputs.filter({ $0 == "-" }).count == 1 else { throw ShardError("standard input (-) can be read only once; it is named \(options.inputs.filter { $0 == "-" }.count) times among the inputs") }
            guard let format = options.reader.format else {
                throw ShardError("reading standard input (-) needs --input-format (text, jsonl, html, warc, wet or wikipedia): there is no file name to guess it from")
            }
            guard format != .parquet else {
                throw ShardError("Parquet cannot be read from standard input (its index is at the end of the file); save it to a file and pass the file")
            }
        }
    }

    /// Expands directories (recursively, hidden entries skipped, `InputFiles.walk`) into their
    /// files, sorted by path, so that the order — and so the output — is the same on every
    /// machine. Files inside `output` (the run's own shard directory) are never inputs.
    public static func expandInputs(_ paths: [String], excluding output: String? = nil) throws -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for path in paths {
            if path == "-" { files.append(path); continue }  // standard input
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError("input \(path) \(InputFiles.problem(path) ?? "cannot be read"); expected a file or a directory")
            }
            if isDirectory.boolValue {
                files += InputFiles.walk(path, excluding: output)
            } else {
                files.append(path)
            }
        }
        return files
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
        let optionsJSON = String(decoding: try Manifest.encoder.encode(options), as: UTF8.self)
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


    /// Reads, cleans, filters and deduplicates every input in order, handing the kept documents
    /// of each batch to the shards (or, for a text-only job, to `textSink`).
    func readInputs(_ state: inout State, stdinExpected: (bytes: Int, sha256: String)?) throws {
        let started = Date()
        let pipeline = options.normalization.pipeline
        let sizes = options.inputs.map { path -> Int64 in
            var st = stat()
            return stat(path, &st) == 0 ? Int64(st.st_size) : 0
        }
        inputBytesTotal = sizes.reduce(0, +)
        for (inputIndex, path) in options.inputs.enumerated() {
            defer { state.inputBytesDone += sizes[inputIndex] }
            try startDropped(&state, inputIndex)
            let reader = readerOptions(for: path)
            var record = InputRecord(path: path, format: reader.format!.rawValue,
                                     size: 0, sha256: "", documents: 0, kept: 0, error: nil)
            do {
                if path != "-" {   // standard input is checked as it is read (StandardInput)
                    (record.size, record.sha256) = try Self.hashFile(path)
                    try checkUnchanged(record, state)
                }
                state.reading = record
            } catch let error as ShardError {
                throw error
            } catch {
                if path != "-" { try checkUnchanged(record, state) }
                record.error = "\(error)"
                try dropInput(&state, record: record, reason: .unreadableInput, error: error)
                continue
            }
            state.bytesIn += record.size
            var batch = Batch()
            let stdin = path == "-" ? StandardInput(expected: stdinExpected) : nil
            state.stdin = stdin
            defer {
                if let stdin { state.bytesIn += stdin.consumed }
                state.stdin = nil
            }
            do {
                var documents = try DocumentReader(path: path, options: reader, stream: try stdin?.stream())
                while let document = try documents.next() {
                    batch.append(document)
                    if batch.isFull {
                        try process(&batch, inputIndex, &state, &record, pipeline)
                        report(started, inputIndex, state)
                    }
                }
                try process(&batch, inputIndex, &state, &record, pipeline)
                if let stdin { (record.size, record.sha256) = (stdin.consumed, stdin.sha256) }
                try releaseHeldBack(&state)
            } catch let error as ShardError {
                throw error
            } catch {
                // The documents read before the error are kept (they are valid); the rest of
                // this input is lost and reported.
                try process(&batch, inputIndex, &state, &record, pipeline)
                if let stdin {
                    (record.size, record.sha256) = (stdin.consumed, stdin.sha256)
                    guard stdin.verified else {
                        throw ShardError("standard input failed (\(error)) after \(stdin.consumed) bytes, before the \(stdin.expected!.bytes) bytes the interrupted run had read into its finished shards could be checked; pipe in exactly the same data to resume, or choose a new output directory")
                    }
                }
                try releaseHeldBack(&state)
                record.error = "\(error)"
                try dropInput(&state, record: record, reason: .inputError, error: error)
                continue
            }
            state.inputs.append(record)
            try journal?.append(.input(record))
            report(started, inputIndex, state)
        }
        try startDropped(&state, nil)
    }

    /// `options.reader` with the input's format settled: `InputFormat.guess` may open the file
    /// (Wikipedia sniffing of `.xml` names), so it runs once per input and the record and the
    /// reader share its answer.
    func readerOptions(for path: String) -> ReaderOptions {
        var reader = options.reader
        reader.format = reader.format ?? InputFormat.guess(path: path)
        return reader
    }

    func report(_ started: Date, _ inputIndex: Int, _ state: State) {
        guard let progress else { return }
        progress(ShardProgress(inputIndex: inputIndex, inputCount: options.inputs.count, bytesRead: state.bytesIn, documents: state.documentsKept,
                               tokens: state.shards.reduce(0) { $0 + $1.tokens } + state.writers.values.reduce(0) { $0 + Int($1.tokenCount) },
                               seconds: Date().timeIntervalSince(started), inputBytesDone: state.inputBytesDone, inputBytesTotal: inputBytesTotal))
    }

    func drop(_ state: inout State, _ reason: DropReason, _ location: String, text: [UInt8]? = nil) {
        state.dropped[reason.key, default: DropReport()].count += 1
        if state.dropped[reason.key]!.examples.count < 5 { state.dropped[reason.key]!.examples.append(location) }
        if let text, let writer = state.droppedWriter { try? writer.append(source: location, reason: reason.key, text: text) }
    }

    func dropInput(_ state: inout State, record: InputRecord, reason: DropReason, error: Error) throws {
        if options.strict { throw error }
        warning?("\(error) (skipped; --strict stops here)")
        drop(&state, reason, record.path)
        state.inputs.append(record)
        try journal?.append(.input(record))
    }

    /// Cleans, filters, deduplicates, splits and tokenizes a batch of input `inputIndex` (of
    /// `options.inputs`), writing the kept documents to the open shards.
    func process(_ batch: inout Batch, _ inputIndex: Int, _ state: inout State, _ record: inout InputRecord, _ pipeline: NormalizerPipeline) throws {
        let documents = batch.raw
        batch = Batch()
        guard !documents.isEmpty else { return }
        // 1. Clean, on all cores.
        let results = clean(documents, pipeline)
        // 2. Filter, deduplicate, split — in input order.
        var toEncode: [[UInt8]] = []
        var splits: [DataSplit] = []
        for (i, document) in documents.enumerated() {
            let ordinal = state.documentsRead
            state.documentsRead += 1
            record.documents += 1
            if let reason = document.dropReason { drop(&state, reason, document.location); continue }
            if let problem = document.problem {
                if options.strict { throw InputError("\(document.location): \(problem)") }
                warning?("\(document.location): \(problem) (record skipped)")
                drop(&state, .malformedRecord, document.location)
                continue
            }
            var text: [UInt8]
            var output: [UInt8]? = nil
            var language: LanguageDetection? = nil
            switch results[i]! {
            case .failure(let error):
                if options.strict { throw InputError("\(document.location): \(Self.describe(error))") }
                warning?("\(document.location): \(Self.describe(error)) (document dropped; --strict stops here)")
                drop(&state, (error as? NormalizerError)?.kind == .unsupportedEncoding ? .unsupportedEncoding : .invalidUTF8, document.location)
                continue
            case .success(let cleaned):
                text = cleaned.text
                if let charset = cleaned.decodedFrom ?? document.decodedFrom { state.repairs.decoded[charset, default: 0] += 1 }
                for repair in document.repairs { state.repairs.payload[repair.rawValue, default: 0] += 1 }
                if cleaned.replacements > 0 {
                    if let ratio = replacementRatio(cleaned), let limit = options.maxReplacementRatio, ratio > limit {
                        let message = "\(document.location): \(cleaned.replacements) invalid UTF-8 sequences replaced by U+FFFD, \(String(format: "%.1f", ratio * 100))% of its characters (over --max-replacement-ratio \(limit))"
                        if options.strict { throw InputError(message + "; " + Self.encodingHint(document.bytes)) }
                        state.replacementWarnings += 1
                        if state.replacementWarnings <= 5 {
                            warning?(message + " (document dropped); " + Self.encodingHint(document.bytes))
                        }
                        drop(&state, .tooManyReplacements, document.location)
                        continue
                    }
                    state.repairs.utf8Replacements += cleaned.replacements
                    state.repairs.documentsRepaired += 1
                }
            }
            if let reason = rejection(text) { drop(&state, reason, document.location, text: text); continue }
            if case .success(let cleaned)? = results[i], let outcome = cleaned.outcome {
                for (k, v) in outcome.counters { state.cleaningCounters[k, default: 0] += v }
                if let detected = outcome.language {
                    language = detected
                    state.languages[detected.language, default: LanguageCount()].documents += 1
                }
                if let reason = outcome.dropped { drop(&state, .cleaning(reason), document.location, text: text); continue }
                text = outcome.text
                output = outcome.output
            }
            let digest = Array(SHA256.hash(data: text))
            if options.dedup {
                let key = Self.key(digest)
                if !state.seen.insert(key).inserted { drop(&state, .duplicate, document.location, text: text); continue }
                if let earlier = isEarlierDuplicate, earlier(key, inputIndex) { drop(&state, .duplicate, document.location, text: text); continue }
            }
            if let near = state.nearDuplicates, near.contains(ordinal) {
                drop(&state, .cleaning(.nearDuplicate), document.location, text: text); continue
            }
            if let output, output != text {
                state.cleaningCounters["pii.documents_redacted", default: 0] += 1
                text = output
            }
            var h: UInt64 = 0
            for k in 0..<8 { h = h << 8 | UInt64(digest[k]) }
            let split = Double(h) / 18446744073709551616.0 < options.valFraction ? DataSplit.val : .train
            state.documentsKept += 1
            if let language { state.languages[language.language]!.kept += 1 }
            state.textBytes += text.count
            record.kept += 1
            state.ordinals[split]! += 1
            if state.ordinals[split]! <= state.skip[split]! { continue }  // already inside a finished shard
            if let sink = textSink { try sink.write(text: text, source: document.location, language: language); continue }
            toEncode.append(text)
            splits.append(split)
        }
        // 3. Tokenize on all cores, then write in order.
        guard !toEncode.isEmpty else { return }
        let encoded = try tokenizer.encodeBatch(toEncode, specials: .ordinary, threads: threads)
        for (ids, split) in zip(encoded, splits) {
            let docTokens = ids.count + (header.endOfText == nil ? 0 : 1)
            if let writer = state.writers[split], writer.documentCount > 0, Int(writer.tokenCount) + docTokens > options.shardTokens {
                try closeShard(split, &state)
            }
            if state.writers[split] == nil {
                let name = String(format: "%@-%06d.%@", split.rawValue, state.shardIndex[split]!, ShardFormat.fileExtension)
                state.writers[split] = try ShardWriter(path: directory + "/" + name, header: header, blockTokens: options.blockTokens,
                                                       level: options.compressionLevel)
            }
            try state.writers[split]!.append(document: ids)
        }
    }

    /// Normalizes the documents on all cores; nil where a document arrived with a problem.
    func clean(_ documents: [Document], _ pipeline: NormalizerPipeline, signatures: Bool = false) -> [Result<Cleaned, Error>?] {
        let results = UnsafeMutableBufferPointer<Result<Cleaned, Error>?>.allocate(capacity: documents.count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let out = results
        let counter = Atomic<Int>(0)
        nonisolated(unsafe) let job = self   // read-only here: options only
        DispatchQueue.concurrentPerform(iterations: min(threads, documents.count)) { _ in
            while true {
                let i = counter.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < documents.count else { break }
                if documents[i].problem != nil || documents[i].dropReason != nil { continue }
                out[i] = Result { try job.clean(documents[i].bytes, pipeline, signatures: signatures) }
            }
        }
        return Array(results)
    }

    /// A document after cleaning: its text, the U+FFFD its repair took, and the charset it was
    /// decoded from when it was not UTF-8.
    struct Cleaned {
        var text: [UInt8]
        var replacements: Int
        var decodedFrom: String?
        /// What the cleaning steps decided (nil without `options.cleaning`).
        var outcome: CleaningPipeline.Outcome? = nil
    }

    /// Decodes one document (UTF-16 with a byte-order mark always; invalid UTF-8 in the charset
    /// of `--fallback-encoding`, or ICU's guess with `auto`), then normalizes it.
    func clean(_ raw: [UInt8], _ pipeline: NormalizerPipeline, signatures: Bool = false) throws -> Cleaned {
        var bytes = raw
        var decodedFrom: String? = nil
        if let bom = Charsets.utf16ByteOrderMark(bytes) {
            bytes = try Charsets.decode(bytes, from: bom)
            decodedFrom = bom
        } else if let fallback = options.fallbackEncoding,
                  bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) != nil {
            let charset = fallback == "auto" ? Charsets.detect(bytes).flatMap { $0.name == "UTF-8" ? nil : $0.name } : fallback
            if let charset {
                bytes = try Charsets.decode(bytes, from: charset)
                decodedFrom = charset
            }
        }
        let result = try pipeline.normalize(bytes)
        var cleaned = Cleaned(text: result.output, replacements: result.report.replacements, decodedFrom: decodedFrom)
        if let cleaning, rejection(cleaned.text) == nil {
            cleaned.outcome = cleaning.apply(cleaned.text, signature: signatures)
        }
        return cleaned
    }

    /// The document's U+FFFD repairs as a share of its characters; nil without repairs.
    func replacementRatio(_ cleaned: Cleaned) -> Double? {
        cleaned.replacements > 0 ? Double(cleaned.replacements) / Double(max(1, Self.characters(cleaned.text))) : nil
    }

    /// Whether the repairs exceed `--max-replacement-ratio` of the document's characters.
    func tooManyReplacements(_ cleaned: Cleaned) -> Bool {
        guard let ratio = replacementRatio(cleaned), let limit = options.maxReplacementRatio else { return false }
        return ratio > limit
    }

    static func characters(_ text: [UInt8]) -> Int {
        var n = 0
        for b in text where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// What to do about text that is not UTF-8, in `shard`'s own flags, with ICU's guess.
    static func encodingHint(_ raw: [UInt8]) -> String {
        let guess = Charsets.detect(raw).map { $0.name != "UTF-8" ? "it looks like \($0.name) (ICU's detector, \($0.confidence)% sure): " : "" } ?? ""
        return guess + "re-run with --fallback-encoding auto (or the charset's name) to decode it, or raise --max-replacement-ratio to keep it repaired"
    }

    /// A cleaning error in `shard`'s terms: a NormalizerError's advice names `normalize`'s flags.
    static func describe(_ error: Error) -> String {
        guard let e = error as? NormalizerError else { return "\(error)" }
        switch e.kind {
        case .unsupportedEncoding: return e.problem + "; " + e.hint
        default: return e.problem + "; shard repairs invalid UTF-8 with U+FFFD unless --reject-invalid-utf8 is given, and --fallback-encoding auto decodes legacy encodings"
        }
    }

    /// Why a cleaned document is dropped before deduplication, if it is.
    func rejection(_ text: [UInt8]) -> DropReason? {
        if text.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x09 }) { return .empty }
        return Self.characters(text) < options.minChars ? .tooShort : nil
    }

    static func key(_ digest: [UInt8]) -> DocumentKey {
        var key = DocumentKey()
        for k in 0..<16 { key[k] = digest[k] }
        return key
    }

    /// The deduplication keys of the documents of input `index` that cleaning and filtering keep,
    /// in order — what a rank tells the others before sharding so that exact deduplication spans
    /// every rank's inputs. Reads and cleans the input (no tokenizing); an input that cannot be
    /// read yields the keys read before the failure, as `run()` keeps those documents.
    public func dedupKeys(inputIndex index: Int) -> [DocumentKey] {
        let pipeline = options.normalization.pipeline
        var keys: [DocumentKey] = []
        var batch = Batch()
        func flush() {
            for case .success(let cleaned)? in clean(batch.raw, pipeline) where !tooManyReplacements(cleaned) && rejection(cleaned.text) == nil {
                if let outcome = cleaned.outcome {
                    if outcome.dropped == nil { keys.append(Self.key(Array(SHA256.hash(data: outcome.text)))) }
                    continue
                }
                keys.append(Self.key(Array(SHA256.hash(data: cleaned.text))))
            }
            batch = Batch()
        }
        let path = options.inputs[index]
        if var reader = try? DocumentReader(path: path, options: readerOptions(for: path)) {
            while let document = try? reader.next() {
                batch.append(document)
                if batch.isFull { flush() }
            }
        }
        flush()
        return keys
    }

    func closeShard(_ split: DataSplit, _ state: inout State) throws {
        guard let writer = state.writers[split] else { return }
        state.writers[split] = nil
        let summary = try writer.finish(split: split)
        state.shards.append(summary)
        state.shardIndex[split]! += 1
        state.skip[split] = state.skip[split]! + summary.documents
        var finished = JournalEntry.FinishedShard(summary: summary, documentsThrough: state.skip[split]!, input: state.reading)
        if let stdin = state.stdin {
            finished.stdin = JournalEntry.StandardInputPrefix(bytes: stdin.consumed, sha256: stdin.sha256)
            if !stdin.verified { state.heldBack.append(.shard(finished)); return }
        }
        try releaseHeldBack(&state)
        try journal?.append(.shard(finished))
    }

    /// Journals the shard entries held back while a resumed run's standard input was unchecked,
    /// once the check has passed (an unchecked stream throws before its end, see `StandardInput`).
    func releaseHeldBack(_ state: inout State) throws {
        guard !state.heldBack.isEmpty, state.stdin?.verified ?? true else { return }
        for entry in state.heldBack { try journal?.append(entry) }
        state.heldBack = []
    }

    /// Rebuilds the state of an interrupted run from its journal (the shards finished, the
    /// inputs' identities), checking each journalled shard's size and SHA-256: a shard deleted or
    /// damaged since is rewritten (with every later shard of its split, as the deterministic
    /// replay produces them in order), never trusted. A journal line for a shard that was
    /// rewritten after such a repair replaces the earlier line of that file.
    func resume(_ state: inout State) throws {
        var shards: [(summary: ShardSummary, through: Int)] = []
        for entry in journal?.entries ?? [] {
            switch entry {
            case .input(let input):
                state.journalledInputs[input.path] = input
            case .shard(let finished):
                if let input = finished.input { state.journalledInputs[input.path] = input }
                let shard = finished.summary
                shards.removeAll { $0.summary.split == shard.split && $0.summary.file >= shard.file }
                shards.append((shard, finished.documentsThrough))
            case .start, .complete:
                continue
            }
        }
        var damaged = Set<DataSplit>()
        for (summary, _) in shards where !damaged.contains(summary.split) {
            let found = try? Self.hashFile(directory + "/" + summary.file)
            guard found?.0 != summary.bytes || found?.1 != summary.sha256 else { continue }
            let what = found.map { "\($0.0) bytes, SHA-256 \($0.1.prefix(16))…; the journal recorded \(summary.bytes) bytes, \(summary.sha256.prefix(16))…" } ?? "missing or unreadable"
            let later = shards.filter { $0.summary.split == summary.split && $0.summary.file > summary.file }.count
            warning?("\(directory)/\(summary.file): \(what): rewriting it\(later > 0 ? " and the \(later) \(summary.split) shard\(later == 1 ? "" : "s") after it" : "")")
            damaged.insert(summary.split)
            shards.removeAll { $0.summary.split == summary.split && $0.summary.file >= summary.file }
        }
        for (summary, through) in shards {
            state.shards.append(summary)
            state.skip[summary.split] = through
            state.shardIndex[summary.split, default: 0] += 1
        }
    }

    /// Refuses to resume with an input whose bytes differ from the interrupted run's: the shards
    /// already written hold its old text, so a rerun would mix two versions of it.
    func checkUnchanged(_ record: InputRecord, _ state: State) throws {
        guard let old = state.journalledInputs[record.path], old.sha256 != record.sha256 || old.size != record.size else { return }
        let now = record.sha256.isEmpty ? "it cannot be read now" : "now \(record.size) bytes, SHA-256 \(record.sha256.prefix(16))…"
        throw ShardError("\(record.path) changed since the interrupted run in \(directory) (then \(old.size) bytes, SHA-256 \(old.sha256.prefix(16))…; \(now)): the shards already written hold its old text. Restore the file as it was, or start over in a new output directory (or delete \(directory))")
    }

    /// Names this tool writes into a shard directory under a temporary name: `SPLIT-NNNNNN.tms.tmp`
    /// (ShardWriter) and `manifest.json.tmp-PID`, `tokenizer.json.tmp-PID` (OutputWriter).
    static func isOwnTemporary(_ name: String) -> Bool {
        if name.hasPrefix("manifest.json.tmp-") || name.hasPrefix("tokenizer.json.tmp-") {
            return name.split(separator: "-").last.map { $0.allSatisfy(\.isNumber) } ?? false
        }
        return isOwnShardName(name, suffix: "." + ShardFormat.fileExtension + ".tmp")
    }

    /// `train-NNNNNN.tms` / `val-NNNNNN.tms` (with `suffix` in place of `.tms`).
    static func isOwnShardName(_ name: String, suffix: String = "." + ShardFormat.fileExtension) -> Bool {
        guard name.hasSuffix(suffix) else { return false }
        let stem = name.dropLast(suffix.count)
        for split in DataSplit.allCases.map({ $0.rawValue + "-" }) where stem.hasPrefix(split) {
            let digits = stem.dropFirst(split.count)
            return digits.count == 6 && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
    }

    /// `tokenmill shard -o DIR` writes into a new or empty directory, or continues (or returns)
    /// the shard set already there (`journal.jsonl` or `manifest.json`): a directory holding
    /// other files is refused, so the run never overwrites or deletes a user's files.
    static func requireShardSetOrEmpty(_ directory: String) throws {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory), !names.isEmpty else { return }
        if names.contains("journal.jsonl") || names.contains("manifest.json") { return }
        let shown = names.sorted().prefix(3).joined(separator: ", ")
        throw ShardError("\(directory) is not empty (\(shown)\(names.count > 3 ? ", …" : "")) and holds no shard set (no journal.jsonl or manifest.json): `tokenmill shard` writes only into a new or empty directory, so that it never replaces your files; choose another -o")
    }

    /// Size and hex SHA-256 of a file, streamed (inputs, shards, checkpoint files).
    public static func hashFile(_ path: String) throws -> (Int, String) {
        var stream = try FileStream(path: path)
        var hasher = SHA256()
        var size = 0
        while let chunk = try stream.next() { hasher.update(data: chunk); size += chunk.count }
        return (size, Hex.encode(hasher.finalize()))
    }
}

