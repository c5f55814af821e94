import BPE
import Corpus
import Dispatch
import Foundation
import Shards
import Synchronization
import TokenmillSupport

/// How `EncodeJob` writes ids: one line of space-separated decimal ids per document, or the ids
/// of all documents back to back as little-endian 16- or 32-bit integers.
public enum TokenOutput: String, Sendable, CaseIterable { case text, u16, u32 }

/// Where the end-of-text id goes in binary output: before each document (the shard format's and
/// llm.c's convention), after each one (nanoGPT's prepare.py), or nowhere.
public enum EndOfTextPlacement: String, Sendable, CaseIterable { case before, after, none }

/// What `EncodeJob` reads and writes.
public struct EncodeOptions: Sendable {
    /// `.text` (a file is a document) or `.jsonl` (a non-blank line is a document); other formats
    /// are refused (`EncodeJob.init`).
    public var inputFormat: InputFormat = .text
    /// The JSONL field holding the text.
    public var textField = "text"
    public var specials: SpecialTokenPolicy = .ordinary
    /// Replace invalid UTF-8 with U+FFFD instead of stopping at the first invalid sequence.
    public var lossy = false
    public var output: TokenOutput = .text
    /// The id put around documents in binary output (`endOfTextPlacement`); nil: none.
    public var endOfText: TokenID? = nil
    public var endOfTextPlacement: EndOfTextPlacement = .before
    public var threads = ThreadCount.default
    /// Work items: a long document is cut (`Tokenizer.nextSafeCut`) into parts of about this
    /// many bytes, and JSONL files into runs of whole lines of about this size.
    public var partBytes = 1 << 18
    /// Bytes of input read ahead and encoded together; memory is about three batches plus their
    /// output (one being read, one waiting, one being encoded).
    public var batchBytes = 8 << 20

    public init() {}
}

/// What an encode run did.
public struct EncodeSummary: Sendable, Equatable {
    public var documents = 0
    /// Input bytes (after decompression, before repair).
    public var bytes = 0
    /// Ids written, end-of-text ids included.
    public var tokens = 0
    /// Invalid UTF-8 sequences replaced by U+FFFD (`lossy`).
    public var replacements = 0
}

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
        let reader = Reader(files: files, options: options, canCut: tokenizer.canCutDocuments(specials: options.specials),
                            pattern: tokenizer.pattern, handoff: handoff)
        let thread = Thread { reader.run(); finished.signal() }
        thread.stackSize = 1 << 20
        thread.start()
        defer { handoff.close(); finished.wait() }

        var summary = EncodeSummary()
        var outputs: [[UInt8]] = []
        while let batch = handoff.pop() {
            if outputs.count < batch.items.count { outputs += Array(repeating: [], count: batch.items.count - outputs.count) }
            let (counts, failure) = encode(batch.items, into: &outputs)
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
    func encode(_ items: [WorkItem], into outputs: inout [[UInt8]]) -> (EncodeSummary, (item: Int, error: any Error)?) {
        let failure = Mutex<(item: Int, box: ErrorBox)?>(nil)
        let totals = Mutex(EncodeSummary())
        let counter = Atomic<Int>(0)
        let job = self
        outputs.withUnsafeMutableBufferPointer { buffers in
            nonisolated(unsafe) let out = buffers
            let workers = max(1, min(options.threads, items.count))
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var ids: [TokenID] = []
                var counts = EncodeSummary()
                while true {
                    let index = counter.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < items.count else { break }
                    out[index].removeAll(keepingCapacity: true)
                    do {
                        try job.encode(items[index], ids: &ids, counts: &counts, to: &out[index])
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
    func encode(_ item: WorkItem, ids: inout [TokenID], counts: inout EncodeSummary, to out: inout [UInt8]) throws {
        switch item.kind {
        case .text(let first, let last, let offset):
            if first { counts.documents += 1 }
            let text = try validated(item.bytes, source: item.source, offset: offset, counts: &counts)
            try encodeDocument(text, first: first, last: last, ids: &ids, counts: &counts, to: &out)
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
                        try encodeDocument(text, first: true, last: true, ids: &ids, counts: &counts, to: &out)
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
    func encodeDocument(_ text: [UInt8], first: Bool, last: Bool, ids: inout [TokenID], counts: inout EncodeSummary, to out: inout [UInt8]) throws {
        ids.removeAll(keepingCapacity: true)
        ids.reserveCapacity(text.count / 2 + 2)
        let eot = options.output == .text ? nil : options.endOfText
        if let eot, first, options.endOfTextPlacement == .before { ids.append(eot) }
        try text.withUnsafeBufferPointer { try tokenizer.appendEncoding(of: $0, specials: options.specials, to: &ids) }
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

/// A unit of work: a document's part (text input) or a run of whole JSONL lines.
struct WorkItem: @unchecked Sendable {
    enum Kind {
        /// Part of a text document; `offset` is where it starts in the document.
        case text(first: Bool, last: Bool, offset: Int)
        /// Whole lines of a JSONL file, the first being line `firstLine` (1-based).
        case jsonl(firstLine: Int)
    }
    var kind: Kind
    var bytes: [UInt8]
    /// The file's name in messages ("<stdin>" for "-").
    var source: String
}

/// Items read ahead, and the reader's failure after them (the items before it are encoded and
/// written first).
struct ReadBatch: @unchecked Sendable {
    var items: [WorkItem] = []
    var bytes = 0
    var error: (any Error)? = nil
}

/// The reader thread's side of the hand-over: `put` waits for a free slot (one batch read ahead
/// while one is encoded); false once the encoder has stopped (`close`), so the reader stops too.
extension BoundedQueue where Element == ReadBatch? {
    func put(_ batch: ReadBatch?) -> Bool {
        guard waitForSlot() else { return false }
        push(batch)
        return true
    }
}

/// The reader thread: files → work items → batches.
final class Reader: @unchecked Sendable {
    let files: [String]
    let options: EncodeOptions
    let canCut: Bool
    let pattern: SplitPattern
    let handoff: BoundedQueue<ReadBatch?>
    var batch = ReadBatch()

    init(files: [String], options: EncodeOptions, canCut: Bool, pattern: SplitPattern, handoff: BoundedQueue<ReadBatch?>) {
        self.files = files; self.options = options; self.canCut = canCut; self.pattern = pattern; self.handoff = handoff
    }

    struct Stopped: Error {}

    func run() {
        do {
            for file in files {
                let source = file == "-" ? "<stdin>" : file
                var stream = try openByteStream(file)
                switch options.inputFormat {
                case .jsonl: try readLines(&stream, source: source)
                default: try readDocument(&stream, source: source)
                }
            }
            guard handoff.put(batch) else { return }
        } catch is Stopped {
            return
        } catch {
            batch.error = error
            guard handoff.put(batch) else { return }
        }
        _ = handoff.put(nil)
    }

    func emit(_ item: WorkItem) throws {
        batch.bytes += item.bytes.count
        batch.items.append(item)
        if batch.bytes >= options.batchBytes || batch.items.count >= 65_536 {
            guard handoff.put(batch) else { throw Stopped() }
            batch = ReadBatch()
        }
    }

    /// A text file, one document, cut into parts where the pattern allows (`nextSafeCut`). A
    /// cut is taken only with 4 bytes read past it, so that the character after it is whole.
    func readDocument(_ stream: inout any ByteStream, source: String) throws {
        var pending: [UInt8] = []
        var start = 0          // pending[start...] is not yet emitted
        var offset = 0         // the document offset of pending[start]
        var searchFrom = 0     // no cut before this index of pending
        var first = true
        let part = max(options.partBytes, 64)
        while let chunk = try stream.next() {
            if start > 0 { pending.removeFirst(start); searchFrom = max(0, searchFrom - start); start = 0 }
            pending.append(contentsOf: chunk)
            guard canCut else { continue }
            while pending.count - start >= 2 * part {
                let from = max(start + part, searchFrom)
                let cut = pending.withUnsafeBufferPointer { Tokenizer.nextSafeCut($0, from: from, pattern: pattern) }
                guard let cut, cut <= pending.count - 4 else { searchFrom = max(from, pending.count - 8); break }
                try emit(WorkItem(kind: .text(first: first, last: false, offset: offset), bytes: Array(pending[start..<cut]), source: source))
                offset += cut - start
                start = cut
                first = false
            }
        }
        try emit(WorkItem(kind: .text(first: first, last: true, offset: offset), bytes: Array(pending[start...]), source: source))
    }

    /// A JSONL file, cut after the first line feed past every `partBytes` into runs of lines.
    func readLines(_ stream: inout any ByteStream, source: String) throws {
        var pending: [UInt8] = []
        var start = 0, scanFrom = 0
        var line = 1
        func emitLines(_ end: Int) throws {
            let bytes = Array(pending[start..<end])
            var lines = 0
            for c in bytes where c == 0x0A { lines += 1 }
            try emit(WorkItem(kind: .jsonl(firstLine: line), bytes: bytes, source: source))
            line += lines
            start = end
        }
        while let chunk = try stream.next() {
            if start > 0 { pending.removeFirst(start); scanFrom = max(0, scanFrom - start); start = 0 }
            pending.append(contentsOf: chunk)
            while pending.count - start > options.partBytes {
                let from = max(start + options.partBytes, scanFrom)
                guard let feed = pending[from...].firstIndex(of: 0x0A) else { scanFrom = pending.count; break }
                try emitLines(feed + 1)
            }
        }
        if pending.count > start { try emitLines(pending.count) }
    }
}
