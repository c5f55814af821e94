import BPE
import Corpus
import TokenmillSupport

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
final class EncodeReader: @unchecked Sendable {
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
