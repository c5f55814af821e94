/// The ids of the multi-token pieces met so far, so that a repeated word is merged once: a
/// direct-mapped table keyed by the piece's hash (already computed for the vocabulary lookup),
/// whose slots point into two arenas holding the piece's bytes and its ids. A hit costs one
/// slot, a byte comparison and the copy of the ids. Exact by construction: BPE of a piece
/// depends only on its bytes, and the bytes are compared, not just the hash. When an arena is
/// full, the whole cache is emptied and refills (a piece is then merged again, same ids).
///
/// One cache serves all the texts that one thread encodes in a call (`encodeBatch` gives each
/// worker its own, so no locks): a word met in an earlier 256 KiB work item is not merged again.
///
/// Why: BPE merging was ~50% of cl100k's encoding time in perf (the merge loop's pair-table
/// lookups), and in the benchmark's 19.2 MB only ~40% of the multi-token pieces' bytes belong to
/// a piece not seen before in the same document (Russian: 31%, Chinese: 60%; issue 17). Why the
/// arenas (since issue 17's second pass): the first cache pointed back into the text and the
/// output of one work item, so it began empty with every 256 KiB item; over a whole thread's
/// items the bytes of first occurrences fall from 4.47 MB to 3.04 MB of the benchmark's 19.2 MB
/// (cl100k, tiktoken's split, counted in Python), and cl100k's encoding from 0.442 to 0.418 CPU s
/// (medians of 6 alternating rounds; BENCHMARKS.md "Encoder core, second pass").
@usableFromInline
struct PieceCache {
    @usableFromInline
    struct Slot {
        @usableFromInline var hash: UInt64
        @usableFromInline var bytesStart: UInt32
        @usableFromInline var idsStart: UInt32
        /// 0: empty (no piece has no bytes).
        @usableFromInline var length: UInt32
        @usableFromInline var count: UInt32

        @inlinable init(hash: UInt64, bytesStart: UInt32, idsStart: UInt32, length: UInt32, count: UInt32) {
            self.hash = hash; self.bytesStart = bytesStart; self.idsStart = idsStart; self.length = length; self.count = count
        }
    }

    /// How much of each arena is used.
    @usableFromInline
    struct Fill {
        @usableFromInline var bytes: Int
        @usableFromInline var ids: Int

        @inlinable init(bytes: Int, ids: Int) { self.bytes = bytes; self.ids = ids }
    }

    /// nil: no cache (a text too short for one to pay for its allocation).
    @usableFromInline let slots: UnsafeMutablePointer<Slot>?
    @usableFromInline let mask: Int
    @usableFromInline let bytes: UnsafeMutablePointer<UInt8>
    @usableFromInline let ids: UnsafeMutablePointer<TokenID>
    @usableFromInline let bytesCapacity: Int
    @usableFromInline let idsCapacity: Int
    @usableFromInline let fill: UnsafeMutablePointer<Fill>
    /// For the pieces that are merged after all.
    @usableFromInline let pairs: PairMemo
    /// In front of the vocabulary lookup and of this cache, for pieces of up to 16 bytes; nil
    /// when there is no cache.
    @usableFromInline let short: ShortPieceCache?
    /// Where `Tokenizer.appendPieces` collects a text's ids before copying them out, kept across
    /// the texts of one worker: a sink allocated for each 256 KiB item was fresh memory every
    /// time (page faults and cache misses: cachegrind counted 0.7 M more misses of a 1 MB cache
    /// on the benchmark's cl100k pass than with `Array.append`).
    @usableFromInline let sink: UnsafeMutablePointer<TokenSink>

    /// A cache for `textBytes` bytes of text: one slot per 64 bytes, 256 to 32,768 slots (24 bytes
    /// each: at most 768 KB), arenas of 32 bytes and 8 ids per slot, a pair memo of 32,768
    /// words (256 KB), and a `ShortPieceCache` of 256 to 16,384 entries (one per 16 bytes of
    /// text, 32 bytes each: at most 512 KB); none under 2 KB.
    @inlinable
    init(textBytes: Int) {
        var capacity = 256
        while capacity < 32768 && capacity * 64 < textBytes { capacity <<= 1 }
        let enabled = textBytes >= 2048
        if enabled {
            let slots = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
            slots.initialize(repeating: Slot(hash: 0, bytesStart: 0, idsStart: 0, length: 0, count: 0), count: capacity)
            self.slots = slots
        } else {
            slots = nil
        }
        mask = capacity - 1
        bytesCapacity = enabled ? 32 * capacity : 0
        idsCapacity = enabled ? 8 * capacity : 0
        bytes = .allocate(capacity: max(1, bytesCapacity))
        ids = .allocate(capacity: max(1, idsCapacity))
        fill = .allocate(capacity: 1)
        fill.initialize(to: Fill(bytes: 0, ids: 0))
        pairs = enabled ? PairMemo(capacity: 32768) : PairMemo()
        var shortEntries = 256
        while shortEntries < 16384 && shortEntries * 16 < textBytes { shortEntries <<= 1 }
        short = enabled ? ShortPieceCache(entries: shortEntries) : nil
        sink = .allocate(capacity: 1)
        sink.initialize(to: TokenSink(capacity: min(textBytes, 1 << 18) / 3 + 16))
    }

    /// The slot of a piece with this hash; nil when there is no cache.
    @inlinable @inline(__always)
    func slot(hash h: UInt64) -> UnsafeMutablePointer<Slot>? {
        slots.map { $0 + (Int(truncatingIfNeeded: h) & mask) }
    }

    /// The ids kept in `slot` for the piece `p[0..<n]` of hash `h`, if it holds that piece.
    @inlinable @inline(__always)
    func ids(in slot: UnsafeMutablePointer<Slot>, hash h: UInt64, bytes p: UnsafePointer<UInt8>, _ n: Int)
        -> (ids: UnsafePointer<TokenID>, count: Int)? {
        let s = slot.pointee
        guard s.hash == h && Int(s.length) == n && ByteStringTable.memoryEqual(bytes + Int(s.bytesStart), p, n) else { return nil }
        return (UnsafePointer(ids + Int(s.idsStart)), Int(s.count))
    }

    /// Keeps `pieceIDs` as the encoding of `p[0..<n]` (hash `h`) in `slot`.
    @inlinable @inline(__always)
    func store(in slot: UnsafeMutablePointer<Slot>, hash h: UInt64, bytes p: UnsafePointer<UInt8>, _ n: Int,
               ids pieceIDs: UnsafeBufferPointer<TokenID>) {
        // A piece that would take more than a quarter of an arena is not kept. Long pieces are
        // kept otherwise: the parts of one long run (`Tokenizer.maxPieceBytes`, e.g. 100 MB of
        // one letter) are identical, and merging each again made `TokenmillBench worst-case`'s
        // repeated character 8–24× slower when pieces over 256 bytes were skipped.
        guard n <= bytesCapacity / 4 && pieceIDs.count <= idsCapacity / 4 else { return }
        if fill.pointee.bytes + n > bytesCapacity || fill.pointee.ids + pieceIDs.count > idsCapacity {
            slots!.update(repeating: Slot(hash: 0, bytesStart: 0, idsStart: 0, length: 0, count: 0), count: mask + 1)
            fill.pointee = Fill(bytes: 0, ids: 0)
        }
        let b = fill.pointee.bytes, i = fill.pointee.ids
        (bytes + b).initialize(from: p, count: n)
        (ids + i).initialize(from: pieceIDs.baseAddress!, count: pieceIDs.count)
        fill.pointee = Fill(bytes: b + n, ids: i + pieceIDs.count)
        slot.pointee = Slot(hash: h, bytesStart: UInt32(b), idsStart: UInt32(i), length: UInt32(n), count: UInt32(pieceIDs.count))
    }

    @inlinable
    func deallocate() {
        slots?.deallocate()
        bytes.deallocate()
        ids.deallocate()
        fill.deallocate()
        pairs.entries?.deallocate()
        short?.deallocate()
        sink.pointee.deallocate()
        sink.deallocate()
    }
}
