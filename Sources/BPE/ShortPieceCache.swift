/// The ids of recently met pieces of 2–16 bytes that encode to 1–3 ids, kept with their bytes
/// inline: a lookup reads one 64-byte line (a set of two entries) and compares two words, so
/// the frequent words of a text are answered without touching the vocabulary's index or the
/// `PieceCache` arenas. Checked before both (`BytePairModel.encodePiece`); exact by construction:
/// a piece's ids depend only on its bytes, which are compared whole (with the length: the key
/// words are zero-padded, and a piece may contain NUL bytes).
///
/// Entry (4 words): the piece's bytes 0–7 and 8–15 (zero-padded), `id0 | id1 << 32`, and
/// `id2 | length << 32 | count << 40`; length 0 is an empty entry (pieces here have ≥ 2 bytes).
/// A set's first entry is the most recently used: a new piece goes first and pushes the other
/// out, a hit on the second entry swaps them.
///
/// Why (issue 17, third pass): the whole-piece lookup in the vocabulary index (8 MB for cl100k,
/// 16 MB for o200k, one random 32-byte slot per piece) was 21.6% of cl100k's encoding time in
/// perf, nearly all of it the slot's cache miss, and a repeated multi-token piece paid that miss,
/// then the piece cache's slot and its arenas. In the benchmark's 19.2 MB (3.67 M pieces, cl100k)
/// 19.7% of the pieces are one byte (`byteIDs` answers them) and 73.9% have 2–16 bytes and 1–3
/// ids. In a simulation on tiktoken's split of that text this cache answered 66.9% of all the
/// pieces (83% of those over one byte) with 8,192 entries (256 KB), and 68.6% (85%) with 16,384
/// (512 KB, the size for a text over 256 KB: cachegrind counted 21 M fewer instructions than with
/// 8,192 on one cl100k pass of the benchmark, and no more misses of a 1 MB cache). Sets of one
/// entry answered ~2 points fewer, 8-byte keys in 16-byte entries (same 256 KB) ~6 points fewer.
@usableFromInline
struct ShortPieceCache {
    /// Pieces longer than this are not kept.
    @usableFromInline static let maxBytes = 16
    /// Pieces encoding to more ids than this are not kept.
    @usableFromInline static let maxIDs = 3

    /// 8 words per set (two entries of 4).
    @usableFromInline let words: UnsafeMutablePointer<UInt64>
    /// Sets - 1 (a power of two).
    @usableFromInline let mask: Int

    /// `entries`: a power of two ≥ 2.
    @inlinable
    init(entries: Int) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: entries * 32, alignment: 64)
        raw.initializeMemory(as: UInt64.self, repeating: 0, count: entries * 4)
        words = raw.assumingMemoryBound(to: UInt64.self)
        mask = entries / 2 - 1
    }

    @inlinable
    func deallocate() { UnsafeMutableRawPointer(words).deallocate() }

    /// The key words of the piece `p[0..<n]` (2 ≤ n ≤ 16), of which `p[0..<readable]` may be read.
    @inlinable @inline(__always)
    static func key(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int) -> (UInt64, UInt64) {
        guard readable >= 16 else { return keyNearEnd(p, n) }
        let raw = UnsafeRawPointer(p)
        // Smart shifts: a shift by 64 or more gives 0.
        let m0: UInt64 = n >= 8 ? ~0 : ~0 >> (64 - 8 * n)
        let m1: UInt64 = n <= 8 ? 0 : ~0 >> (128 - 8 * n)
        return (UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) & m0,
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) & m1)
    }

    /// `key` byte by byte, for a piece within 16 bytes of the end of the text.
    @usableFromInline @inline(never)
    static func keyNearEnd(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64) {
        var k0: UInt64 = 0, k1: UInt64 = 0
        for i in 0..<min(n, 8) { k0 |= UInt64(p[i]) << (8 * UInt64(i)) }
        if n > 8 { for i in 8..<n { k1 |= UInt64(p[i]) << (8 * UInt64(i - 8)) } }
        return (k0, k1)
    }

    /// The set of the piece of key `(k0, k1)` and length `n`: a hash of its own (two multiplies
    /// that run side by side) rather than the `ByteStringHash`, which only a miss needs.
    @inlinable @inline(__always)
    func set(_ k0: UInt64, _ k1: UInt64, _ n: Int) -> UnsafeMutablePointer<UInt64> {
        let h = (k0 &* 0x9E37_79B9_7F4A_7C15) ^ (k1 &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(truncatingIfNeeded: n)
        let mixed = h ^ (h >> 29)
        return words + 8 &* (Int(truncatingIfNeeded: mixed >> 32) & mask)
    }

    /// Appends the ids kept for the piece of key `(k0, k1)` and length `n` in `set`; false when
    /// the set does not hold it.
    @inlinable @inline(__always)
    func appendIDs(in set: UnsafeMutablePointer<UInt64>, _ k0: UInt64, _ k1: UInt64, _ n: Int, into out: inout TokenSink) -> Bool {
        let tag = UInt64(n) << 32
        if set[0] == k0 && set[1] == k1 && set[3] & 0xFF_0000_0000 == tag {
            Self.append(set[2], set[3], into: &out)
            return true
        }
        if set[4] == k0 && set[5] == k1 && set[7] & 0xFF_0000_0000 == tag {
            let w2 = set[6], w3 = set[7]
            set[4] = set[0]; set[5] = set[1]; set[6] = set[2]; set[7] = set[3]
            set[0] = k0; set[1] = k1; set[2] = w2; set[3] = w3
            Self.append(w2, w3, into: &out)
            return true
        }
        return false
    }

    @inlinable @inline(__always)
    static func append(_ w2: UInt64, _ w3: UInt64, into out: inout TokenSink) {
        out.append(TokenID(truncatingIfNeeded: w2))
        let count = w3 >> 40
        if count > 1 {
            out.append(TokenID(truncatingIfNeeded: w2 >> 32))
            if count > 2 { out.append(TokenID(truncatingIfNeeded: w3)) }
        }
    }

    /// Keeps `ids` (1 to `maxIDs` of them) as the encoding of the piece of key `(k0, k1)` and
    /// length `n` in `set`, as its most recent entry.
    @inlinable @inline(__always)
    func store(in set: UnsafeMutablePointer<UInt64>, _ k0: UInt64, _ k1: UInt64, _ n: Int, ids: UnsafeBufferPointer<TokenID>) {
        let count = ids.count
        guard count >= 1 && count <= Self.maxIDs else { return }
        set[4] = set[0]; set[5] = set[1]; set[6] = set[2]; set[7] = set[3]
        set[0] = k0
        set[1] = k1
        set[2] = UInt64(ids[0]) | (count > 1 ? UInt64(ids[1]) << 32 : 0)
        set[3] = (count > 2 ? UInt64(ids[2]) : 0) | UInt64(n) << 32 | UInt64(count) << 40
    }
}
