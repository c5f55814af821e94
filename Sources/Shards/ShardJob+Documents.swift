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


/// One document's way through a shard job: cleaning, the drop reasons, exact-deduplication keys
/// and the batches handed to the tokenizer.
extension ShardJob {
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
                if options.strict { throw InputError(.malformed, path: document.location, "\(document.location): \(problem)") }
                warning?("\(document.location): \(problem) (record skipped)")
                drop(&state, .malformedRecord, document.location)
                continue
            }
            var text: [UInt8]
            var output: [UInt8]? = nil
            var language: LanguageDetection? = nil
            switch results[i]! {
            case .failure(let error):
                if options.strict { throw InputError(.malformed, path: document.location, "\(document.location): \(Self.describe(error))") }
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
                        if options.strict { throw InputError(.malformed, path: document.location, message + "; " + Self.encodingHint(document.bytes)) }
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
}
