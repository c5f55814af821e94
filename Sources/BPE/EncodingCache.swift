/// A thread's reusable encoding state (the piece caches, `PieceCache`) for a caller that encodes
/// many texts one after another on one thread, as `encodeBatch`'s workers do: a piece met in an
/// earlier text is not merged again, and the caches' memory is allocated once. Made by
/// `Tokenizer.makeEncodingCache(textBytes:)` and used with `appendEncoding(of:specials:cache:to:)`.
///
/// Why (issue 17): `tokenmill encode` encoded each 256 KiB work item and each JSONL record with
/// a fresh cache (`appendEncoding(of:specials:to:)` makes one per call): every record of 2 KB or
/// more zeroed a 256 KB pair memo and a short-piece cache, and every item began with empty
/// caches, so the CLI did not gain what the library gained from them.
///
/// Not thread-safe: one thread at a time (it may move between threads, as a
/// `DispatchQueue.concurrentPerform` worker index does). Only for the tokenizer that made it
/// (the cached ids are that vocabulary's), which `appendEncoding` checks.
public final class EncodingCache: @unchecked Sendable {
    let cache: PieceCache
    /// The vocabulary the cached ids belong to.
    let owner: ObjectIdentifier

    init(textBytes: Int, owner: ObjectIdentifier) {
        cache = PieceCache(textBytes: textBytes)
        self.owner = owner
    }

    deinit { cache.deallocate() }
}

extension Tokenizer {
    /// A cache sized for a thread that encodes about `textBytes` bytes in all (see `PieceCache`:
    /// at most ~1.5 MB; none below 2 KB).
    public func makeEncodingCache(textBytes: Int) -> EncodingCache {
        EncodingCache(textBytes: textBytes, owner: ObjectIdentifier(model.tokens.index))
    }

    /// `appendEncoding(of:specials:to:)` with a cache kept by the calling thread across its texts.
    /// Same ids as without it. Traps if `cache` was made by a tokenizer with another vocabulary.
    public func appendEncoding(of bytes: UnsafeBufferPointer<UInt8>, specials: SpecialTokenPolicy,
                               cache: EncodingCache, to out: inout [TokenID]) throws {
        precondition(cache.owner == ObjectIdentifier(model.tokens.index),
                     "an EncodingCache holds the ids of the tokenizer that made it; make one with this tokenizer's makeEncodingCache")
        try appendEncoding(of: bytes, specials: specials, cache: cache.cache, to: &out)
    }
}
