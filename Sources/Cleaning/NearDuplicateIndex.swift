/// MinHash LSH clustering: documents (numbered in input order) that share any bucket digest
/// are joined (union-find), and every document but the first of its cluster is a near
/// duplicate, so the result is the same whatever order the signatures arrived in.
///
/// Memory: 16 bytes per bucket per document while collecting (224 bytes for 14 buckets), then
/// 4 bytes per document for the union-find and one bit per document for the answer.
public struct NearDuplicateIndex: Sendable {
    struct Entry: Comparable {
        var digest: UInt64
        var document: UInt32
        static func < (l: Entry, r: Entry) -> Bool { l.digest != r.digest ? l.digest < r.digest : l.document < r.document }
    }
    private var buckets: [[Entry]]
    public private(set) var documents = 0
    public private(set) var signed = 0

    public init(buckets: Int) { self.buckets = Array(repeating: [], count: buckets) }

    /// Adds document `index` (indices must be below 2³²); nil digests: no signature.
    public mutating func add(_ index: Int, _ digests: [UInt64]?) {
        documents = max(documents, index + 1)
        guard let digests else { return }
        signed += 1
        for (b, d) in digests.enumerated() { buckets[b].append(Entry(digest: d, document: UInt32(index))) }
    }

    /// The near duplicates: a bitmap over document indices, and how many pairs were candidates.
    public mutating func duplicates() -> (set: DocumentSet, candidatePairs: Int) {
        var parent = (0..<documents).map { UInt32($0) }
        func find(_ x: UInt32) -> UInt32 {
            var r = x
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var y = x
            while parent[Int(y)] != r { let next = parent[Int(y)]; parent[Int(y)] = r; y = next }
            return r
        }
        var pairs = 0
        for b in buckets.indices {
            buckets[b].sort()
            let entries = buckets[b]
            buckets[b] = []
            var i = 1
            while i < entries.count {
                if entries[i].digest == entries[i - 1].digest {
                    pairs += 1
                    let x = find(entries[i - 1].document), y = find(entries[i].document)
                    if x != y { if x < y { parent[Int(y)] = x } else { parent[Int(x)] = y } }
                }
                i += 1
            }
        }
        var set = DocumentSet(count: documents)
        for i in 0..<documents where find(UInt32(i)) != UInt32(i) { set.insert(i) }
        return (set, pairs)
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
}
