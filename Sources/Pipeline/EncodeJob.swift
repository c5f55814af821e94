import BPE
import Corpus
import Dispatch
import Foundation
import Shards
import Synchronization
import TokenmillSupport

/// Encodes files to token ids on all cores, in input order, streaming (issue 17).
///
/// A reader thread reads the inputs (decompressing them) and cuts them into work items: each
/// text file is a document, cut into parts of about `partBytes` at places where the split
/// pattern cuts anyway, so the ids are those of the whole document; a JSONL file is cut into
/// runs of whole lines. Items are grouped into batches of about `batchBytes` — many small files
/// share one batch — and while one batch is encoded the next is read. Each worker takes the next
/// item of the batch, validates (or repairs) its UTF-8, encodes it and formats its output into a
/// byte buffer of its own (decimal text or little-endian ids), so formatting runs on all cores
/// too; the buffers are handed to `write` in input order and reused by the next batch.
///
/// Memory: about three batches of input and one batch of output, whatever the input size — a
/// document larger than memory streams through in parts. A document is held whole only when it
/// cannot be cut (`Tokenizer.canCutDocuments`: special tokens matched, a prefix space, or a
/// pattern that is not one of the named three) or has no safe cut (one line without a line
/// feed). A JSONL record is encoded whole by one worker.
public struct EncodeJob: Sendable {
    public let tokenizer: Tokenizer
    public let options: EncodeOptions

    public init(tokenizer: Tokenizer, options: EncodeOptions) throws {
        guard options.inputFormat == .text || options.inputFormat == .jsonl else {
            throw PipelineError.unsupportedEncodeInput(format: options.inputFormat.rawValue)
        }
        self.tokenizer = tokenizer
        self.options = options
    }

    /// Encodes `files` ("-" is standard input; `.gz`, `.zst`, `.bz2` are decompressed) and hands
    /// the output to `write`, in order, in pieces of any size. The first failure in input order
    /// is thrown (invalid UTF-8 without `lossy`, a malformed JSONL line, an id over 65,535 with
    /// u16 output, an unreadable file); what came before it has been written.
    public func run(_ files: [String], write: ([UInt8]) throws -> Void) throws -> EncodeSummary {
        let handoff = BoundedQueue<ReadBatch?>(capacity: 1)
        let finished = DispatchSemaphore(value: 0)
        let reader = EncodeReader(files: files, options: options, canCut: tokenizer.canCutDocuments(specials: options.specials),
                            pattern: tokenizer.pattern, handoff: handoff)
        let thread = Thread { reader.run(); finished.signal() }
        thread.stackSize = 1 << 20
        thread.start()
        defer { handoff.close(); finished.wait() }

        var summary = EncodeSummary()
        var outputs: [[UInt8]] = []
        // One cache per worker for the whole run: a piece met in an earlier item or batch is not
        // merged again, and no item or JSONL record pays for a fresh cache.
        let threads = max(1, options.threads)
        let caches = (0..<threads).map { _ in tokenizer.makeEncodingCache(textBytes: options.batchBytes / threads) }
        while let batch = handoff.pop() {
            if outputs.count < batch.items.count { outputs += Array(repeating: [], count: batch.items.count - outputs.count) }
            let (counts, failure) = encode(batch.items, caches: caches, into: &outputs)
            // Up to the first failure in input order, whichever worker met it first.
            for i in 0..<(failure?.item ?? batch.items.count) { try write(outputs[i]) }
            if let failure { throw failure.error }
            summary.documents += counts.documents
            summary.tokens += counts.tokens
            summary.replacements += counts.replacements
            summary.bytes += batch.bytes
            if let error = batch.error { throw error }
        }
        return summary
    }

    /// Encodes the items of one batch on `options.threads` cores, each into `outputs[i]`; the
    /// failure of the first item in input order that failed, if any.
    /// `caches[w]` is worker w's (`options.threads` of them).
    func encode(_ items: [WorkItem], caches: [EncodingCache], into outputs: inout [[UInt8]]) -> (EncodeSummary, (item: Int, error: any Error)?) {
        let failure = Mutex<(item: Int, box: ErrorBox)?>(nil)
        let totals = Mutex(EncodeSummary())
        let counter = Atomic<Int>(0)
        let job = self
        outputs.withUnsafeMutableBufferPointer { buffers in
            nonisolated(unsafe) let out = buffers
            let workers = max(1, min(caches.count, items.count))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let cache = caches[w]
                var ids: [TokenID] = []
                var counts = EncodeSummary()
                while true {
                    let index = counter.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < items.count else { break }
                    out[index].removeAll(keepingCapacity: true)
                    do {
                        try job.encode(items[index], cache: cache, ids: &ids, counts: &counts, to: &out[index])
                    } catch {
                        let box = ErrorBox(error: error)
                        failure.withLock { if $0 == nil || $0!.item > index { $0 = (index, box) } }
                    }
                }
                totals.withLock {
                    $0.documents += counts.documents; $0.tokens += counts.tokens; $0.replacements += counts.replacements
                }
            }
        }
        let first = failure.withLock { $0.map { (item: $0.item, error: $0.box.error) } }
        return (totals.withLock { $0 }, first)
    }

    /// One work item: its documents (or part of one) validated, encoded and formatted.
    func encode(_ item: WorkItem, cache: EncodingCache, ids: inout [TokenID], counts: inout EncodeSummary, to out: inout [UInt8]) throws {
        switch item.kind {
        case .text(let first, let last, let offset):
            if first { counts.documents += 1 }
            let text = try validated(item.bytes, source: item.source, offset: offset, counts: &counts)
            try encodeDocument(text, first: first, last: last, cache: cache, ids: &ids, counts: &counts, to: &out)
        case .jsonl(let firstLine):
            try item.bytes.withUnsafeBufferPointer { all in
                var start = 0
                var line = firstLine
                while start < all.count {
                    let end = all[start...].firstIndex(of: 0x0A) ?? all.count
                    defer { start = end + 1; line += 1 }
                    let record = UnsafeBufferPointer(rebasing: all[start..<end])
                    // Blank lines are skipped, as JSONLines.texts does.
                    if record.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                    switch JSONField.string(options.textField, in: record) {
                    case .success(let raw):
                        counts.documents += 1
                        let text = try validated(raw, source: "\(item.source):\(line)", offset: 0, counts: &counts)
                        try encodeDocument(text, first: true, last: true, cache: cache, ids: &ids, counts: &counts, to: &out)
                    case .failure(let failure):
                        throw InputError(.malformed, path: item.source, record: line, "\(item.source):\(line): \(failure.message(field: options.textField))")
                    }
                }
            }
        }
    }

    func validated(_ bytes: [UInt8], source: String, offset: Int, counts: inout EncodeSummary) throws -> [UInt8] {
        guard let bad = bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) else { return bytes }
        guard options.lossy else { throw TokenizerError.invalidUTF8(source: source, offset: offset + bad) }
        let repaired = UTF8Validation.repair(bytes)
        counts.replacements += repaired.replacements
        return repaired.bytes
    }

    /// Encodes one document or part of one and appends its output: the end-of-text id before a
    /// document's first part or after its last one (binary output), spaces between ids and a
    /// line feed after the last part (text output).
    func encodeDocument(_ text: [UInt8], first: Bool, last: Bool, cache: EncodingCache, ids: inout [TokenID], counts: inout EncodeSummary, to out: inout [UInt8]) throws {
        ids.removeAll(keepingCapacity: true)
        ids.reserveCapacity(text.count / 2 + 2)
        let eot = options.output == .text ? nil : options.endOfText
        if let eot, first, options.endOfTextPlacement == .before { ids.append(eot) }
        try text.withUnsafeBufferPointer { try tokenizer.appendEncoding(of: $0, specials: options.specials, cache: cache, to: &ids) }
        if let eot, last, options.endOfTextPlacement == .after { ids.append(eot) }
        counts.tokens += ids.count
        try ids.withUnsafeBufferPointer { ids in
            switch options.output {
            case .text:
                // A part after the first continues its document's line: it is never empty (parts
                // are cut inside text), nor is the part before it.
                TokenText.append(ids, leadingSpace: !first, to: &out)
                if last { out.append(0x0A) }
            case .u16:
                if let bad = ids.first(where: { $0 > UInt16.max }) { throw PipelineError.idTooLargeForU16(id: bad) }
                TokenBytes.append(ids, width: 2, to: &out)
            case .u32:
                TokenBytes.append(ids, width: 4, to: &out)
            }
        }
    }
}

/// A work item's error, carried out of the workers.
struct ErrorBox: @unchecked Sendable { let error: any Error }
