import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// MinHash LSH clustering: documents (numbered in input order) that share any bucket digest
/// are joined (union-find), and every document but the first of its cluster is a near
/// duplicate, so the result is the same whatever order the signatures arrived in.
///
/// Memory: 16 bytes per bucket per document while collecting (224 bytes for 14 buckets), up
/// to `memoryBytes`; past it the held entries are sorted and written to a run file in
/// `spillDirectory` (an external sort), and `duplicates()` merges the runs. Then 4 bytes per
/// document for the union-find and one bit per document for the answer, plus 1 MiB of read
/// buffer per run while merging.
///
/// Why the spilled result equals the in-memory one: both visit each bucket's entries in
/// (digest, document) order and join neighbours with equal digests, so the edges, the pair
/// count and the clusters (whose roots are their smallest document) are the same.
public struct NearDuplicateIndex: Sendable {
    /// The default `memoryBytes`: 1 GiB of bucket entries, about 4.8 M documents with 14
    /// buckets before the first spill (the 1 M-document benchmark peaked at 268 MB in memory).
    public static let defaultMemoryBytes = 1 << 30
    /// Bytes one held entry costs (a digest and a document number, padded).
    public static let entryBytes = MemoryLayout<Entry>.stride

    struct Entry: Comparable {
        var digest: UInt64
        var document: UInt32
        static func < (l: Entry, r: Entry) -> Bool { l.digest != r.digest ? l.digest < r.digest : l.document < r.document }
    }
    private var buckets: [[Entry]]
    private var held = 0
    public private(set) var documents = 0
    public private(set) var signed = 0
    /// Entries held in memory before a spill (at least one document's worth).
    public let memoryEntries: Int
    /// Where run files go (created at the first spill, removed by `duplicates()`); nil: never spill.
    public let spillDirectory: String?
    private var runs: [String] = []
    /// Run files written, and the entries they held (kept after the files are removed).
    public private(set) var spilledRuns = 0
    public private(set) var spilledEntries = 0

    /// `memoryBytes`: the bound on held bucket entries (`entryBytes` each); `spillDirectory`:
    /// a directory of this index's own (made when first needed, deleted when done).
    public init(buckets: Int, memoryBytes: Int = defaultMemoryBytes, spillDirectory: String? = nil) {
        self.buckets = Array(repeating: [], count: buckets)
        memoryEntries = max(buckets, memoryBytes / Self.entryBytes)
        self.spillDirectory = spillDirectory
    }

    /// Makes the index cover documents `0..<count` (signed or not).
    public mutating func cover(documents count: Int) { documents = max(documents, count) }

    /// Adds document `index` (indices must be below 2³²); nil digests: no signature.
    public mutating func add(_ index: Int, _ digests: [UInt64]?) throws {
        documents = max(documents, index + 1)
        guard let digests else { return }
        signed += 1
        for (b, d) in digests.enumerated() { buckets[b].append(Entry(digest: d, document: UInt32(index))) }
        held += digests.count
        if held >= memoryEntries, spillDirectory != nil { try spill() }
    }

    /// Writes the held entries, sorted by (bucket, digest, document), as one run file of
    /// 16-byte records (digest, document, bucket; little-endian).
    private mutating func spill() throws {
        guard held > 0, let directory = spillDirectory else { return }
        if runs.isEmpty, mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw FileIOError(.create, path: directory)
        }
        let path = directory + "/" + String(format: "run-%06d", runs.count)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIOError(.create, path: path) }
        defer { close(fd) }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        for b in buckets.indices {
            buckets[b].sort()
            for e in buckets[b] {
                out.appendLE(e.digest); out.appendLE(e.document); out.appendLE(UInt32(b))
                if out.count >= 1 << 20 { try out.withUnsafeBytes { try FileIO.writeAll(fd, $0, path: path) }; out.removeAll(keepingCapacity: true) }
            }
            buckets[b] = []
        }
        try out.withUnsafeBytes { try FileIO.writeAll(fd, $0, path: path) }
        runs.append(path)
        spilledRuns += 1
        spilledEntries += held
        held = 0
    }

    /// The near duplicates: a bitmap over document indices, and how many pairs were candidates.
    /// Removes the run files and the spill directory.
    public mutating func duplicates() throws -> (set: DocumentSet, candidatePairs: Int) {
        var parent = (0..<documents).map { UInt32($0) }
        func find(_ x: UInt32) -> UInt32 {
            var r = x
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var y = x
            while parent[Int(y)] != r { let next = parent[Int(y)]; parent[Int(y)] = r; y = next }
            return r
        }
        func join(_ a: UInt32, _ b: UInt32) {
            let x = find(a), y = find(b)
            if x != y { if x < y { parent[Int(y)] = x } else { parent[Int(x)] = y } }
        }
        var pairs = 0
        if runs.isEmpty {
            for b in buckets.indices {
                buckets[b].sort()
                let entries = buckets[b]
                buckets[b] = []
                var i = 1
                while i < entries.count {
                    if entries[i].digest == entries[i - 1].digest { pairs += 1; join(entries[i - 1].document, entries[i].document) }
                    i += 1
                }
            }
        } else {
            try spill()
            defer { removeRuns() }
            var merge = try RunMerge(paths: runs)
            var previous: (bucket: UInt32, digest: UInt64, document: UInt32)? = nil
            while let e = try merge.next() {
                if let p = previous, p.bucket == e.bucket, p.digest == e.digest { pairs += 1; join(p.document, e.document) }
                previous = e
            }
        }
        var set = DocumentSet(count: documents)
        for i in 0..<documents where find(UInt32(i)) != UInt32(i) { set.insert(i) }
        return (set, pairs)
    }

    /// Deletes the run files and the spill directory (also after an error).
    public mutating func removeRuns() {
        for path in runs { unlink(path) }
        if !runs.isEmpty, let spillDirectory { rmdir(spillDirectory) }
        runs = []
    }
}

/// A k-way merge of sorted run files (`NearDuplicateIndex`'s records) by a binary heap:
/// O(log k) per record, 1 MiB of buffer per run.
struct RunMerge {
    typealias Record = (bucket: UInt32, digest: UInt64, document: UInt32)
    struct Reader {
        let path: String
        let fd: Int32
        var buffer: [UInt8] = []
        var position = 0
        var count = 0
        mutating func next() throws -> Record? {
            if position + 16 > count {
                let rest = count - position, from = position, path = path, fd = fd
                var have = rest
                try buffer.withUnsafeMutableBytes { raw in
                    if rest > 0 { raw.baseAddress!.copyMemory(from: raw.baseAddress! + from, byteCount: rest) }
                    while have < raw.count {
                        let n = try FileIO.read(fd, into: raw.baseAddress! + have, count: raw.count - have, path: path)
                        if n == 0 { break }
                        have += n
                    }
                }
                count = have
                position = 0
                guard count >= 16 else {
                    if count > 0 { throw FileIOError(.read, path: path, code: EIO) }   // a torn record
                    return nil
                }
            }
            defer { position += 16 }
            return (buffer.readLE32(position + 12), buffer.readLE64(position), buffer.readLE32(position + 8))
        }
    }
    var readers: [Reader] = []
    /// (record, reader) pairs, a min-heap by (bucket, digest, document).
    var heap: [(Record, Int)] = []

    init(paths: [String]) throws {
        for path in paths {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileIOError(.open, path: path) }
            readers.append(Reader(path: path, fd: fd, buffer: [UInt8](repeating: 0, count: 1 << 20)))
        }
        for r in readers.indices { if let e = try readers[r].next() { push((e, r)) } }
    }

    static func less(_ a: Record, _ b: Record) -> Bool {
        a.bucket != b.bucket ? a.bucket < b.bucket : a.digest != b.digest ? a.digest < b.digest : a.document < b.document
    }

    mutating func push(_ item: (Record, Int)) {
        heap.append(item)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard Self.less(heap[i].0, heap[p].0) else { break }
            heap.swapAt(i, p); i = p
        }
    }

    mutating func next() throws -> Record? {
        guard let (top, r) = heap.first else {
            for reader in readers { close(reader.fd) }
            readers = []
            return nil
        }
        if let e = try readers[r].next() { heap[0] = (e, r) } else { heap[0] = heap[heap.count - 1]; heap.removeLast() }
        var i = 0
        while true {
            let l = 2 * i + 1, rr = l + 1
            var m = i
            if l < heap.count, Self.less(heap[l].0, heap[m].0) { m = l }
            if rr < heap.count, Self.less(heap[rr].0, heap[m].0) { m = rr }
            if m == i { break }
            heap.swapAt(i, m); i = m
        }
        return top
    }
}

/// A set of document indices as a bitmap.
public struct DocumentSet: Sendable, Equatable {
    private var words: [UInt64]
    public private(set) var count = 0
    public init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }
    public mutating func insert(_ i: Int) {
        if words[i >> 6] & (1 << UInt64(i & 63)) == 0 { count += 1 }
        words[i >> 6] |= 1 << UInt64(i & 63)
    }
    public func contains(_ i: Int) -> Bool { i >> 6 < words.count && words[i >> 6] & (1 << UInt64(i & 63)) != 0 }

    /// The bitmap as little-endian 64-bit words (what ranks exchange).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(words.count * 8)
        for w in words { out.appendLE(w) }
        return out
    }

    /// A set from `bytes` (as `bytes` wrote them) over `count` documents.
    public init(bytes: [UInt8], count documents: Int) {
        self.init(count: documents)
        for w in 0..<min(words.count, bytes.count / 8) {
            words[w] = bytes.readLE64(w * 8)
            count += words[w].nonzeroBitCount
        }
    }
}
