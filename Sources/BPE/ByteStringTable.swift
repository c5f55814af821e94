import TokenmillSupport

/// An immutable hash map from byte strings to token ids, stored as one byte arena plus an
/// open-addressing index.
///
/// Why not `Dictionary<[UInt8], TokenID>`: the encoder looks up every piece of every document here,
/// and a lookup must not allocate. This table hashes a borrowed byte range in place, and its index
/// holds, per slot, the id, the length, 16 bits of the hash and the first 24 bytes of the token.
///
/// Why the bytes inline: with an index of bare ids, a lookup read the slot, then the id's offsets,
/// then the arena: three dependent cache misses per piece, ~20% of cl100k's encoding time in perf
/// (issue 17). Now a token of up to 24 bytes (nearly every piece of natural text) is found or
/// rejected by reading one 32-byte slot. Lookup O(length), no allocation.
@usableFromInline
struct ByteStringTable: Sendable {
    @usableFromInline let arena: [UInt8]
    /// `offsets[id] ..< offsets[id + 1]` are the bytes of token `id` (empty for an unused id).
    @usableFromInline let offsets: [UInt32]
    /// Four words per slot: `meta` (0 = empty, else id | min(length, 0xFFFF) << 32 | hash >> 48 << 48),
    /// then the token's first `inlineBytes` bytes, zero-padded.
    @usableFromInline let index: HugePageBuffer<UInt64>
    @usableFromInline let mask: Int
    @usableFromInline static let inlineBytes = 24

    /// Builds the table from token byte strings indexed by id (nil for ids without bytes).
    init(tokens: [[UInt8]?]) {
        var arena: [UInt8] = []
        var offsets: [UInt32] = [0]
        offsets.reserveCapacity(tokens.count + 1)
        for token in tokens {
            if let token { arena.append(contentsOf: token) }
            offsets.append(UInt32(arena.count))
        }
        self.init(arena: arena, offsets: offsets)
    }

    /// Builds the table from the bytes of all tokens, concatenated in id order:
    /// `arena[offsets[id] ..< offsets[id + 1]]` are the bytes of `id` (empty for an unused id).
    init(arena: [UInt8], offsets: [UInt32]) {
        precondition(offsets.first == 0 && offsets.last.map(Int.init) == arena.count)
        self.arena = arena
        self.offsets = offsets
        let tokenCount = offsets.count - 1
        var capacity = 16
        while capacity < tokenCount * 2 { capacity <<= 1 }
        let mask = capacity - 1
        self.mask = mask
        index = HugePageBuffer(repeating: 0, count: 4 * capacity) { index in
            arena.withUnsafeBufferPointer { arena in
                for id in 0..<tokenCount {
                    let lo = Int(offsets[id]), length = Int(offsets[id + 1]) - lo
                    guard length > 0 else { continue }
                    let bytes = arena.baseAddress! + lo
                    let h = ByteStringHash.hash(bytes, length)
                    var slot = Int(truncatingIfNeeded: h) & mask
                    while index[4 * slot] != 0 { slot = (slot + 1) & mask }
                    index[4 * slot] = Self.meta(length: length, hash: h) | UInt64(id)
                    UnsafeMutableRawPointer(index.baseAddress! + 4 * slot + 1)
                        .copyMemory(from: bytes, byteCount: min(length, Self.inlineBytes))
                }
            }
        }
    }

    /// The meta word without the id: what a lookup compares.
    @inlinable @inline(__always)
    static func meta(length: Int, hash: UInt64) -> UInt64 {
        UInt64(min(length, 0xFFFF)) << 32 | (hash >> 48) << 48
    }

    @inlinable var count: Int { offsets.count - 1 }

    /// The id of the token with exactly these bytes (nil for none, and for no bytes).
    func id(of bytes: [UInt8]) -> TokenID? {
        bytes.withUnsafeBufferPointer { b in b.isEmpty ? nil : lookup(b.baseAddress!, b.count) }
    }

    @inlinable func bytes(of id: TokenID) -> ArraySlice<UInt8> {
        arena[Int(offsets[Int(id)])..<Int(offsets[Int(id) + 1])]
    }

    @inlinable func length(of id: TokenID) -> Int { Int(offsets[Int(id) + 1] &- offsets[Int(id)]) }

    /// The meta word of this `ByteStringHash`'s home slot: 0 when no token has the hash. One
    /// load and no branch, so that a loop of these keeps many cache misses in flight (the rank
    /// rules' construction, `BytePairModel.init(rankTable:)`).
    @inlinable @inline(__always)
    func homeSlotMeta(hash h: UInt64) -> UInt64 {
        index.base[4 &* (Int(truncatingIfNeeded: h) & mask)]
    }

    /// Id of the token whose bytes are `start[0..<length]`, if any.
    @inlinable @inline(__always)
    func lookup(_ start: UnsafePointer<UInt8>, _ length: Int) -> TokenID? {
        lookup(start, length, hash: ByteStringHash.hash(start, length))
    }

    /// `lookup(start, length)` with the bytes' `ByteStringHash` already computed (length ≥ 1);
    /// `start[0..<readable]` (readable ≥ length) may be read, for whole-word comparisons.
    @inlinable @inline(__always)
    func lookup(_ start: UnsafePointer<UInt8>, _ length: Int, hash h: UInt64, readable: Int? = nil) -> TokenID? {
        let readable = readable ?? length
        let want = Self.meta(length: length, hash: h)
        let index = self.index.base
        do {
            var slot = Int(truncatingIfNeeded: h) & mask
            while true {
                let meta = index[4 &* slot]
                if meta == 0 { return nil }
                if meta & 0xFFFF_FFFF_0000_0000 == want {
                    let key = UnsafeRawPointer(index + (4 &* slot &+ 1)).assumingMemoryBound(to: UInt8.self)
                    if length <= Self.inlineBytes {
                        if paddedEqual(key, start, length, readable) { return TokenID(truncatingIfNeeded: meta) }
                    } else if Self.memoryEqual(key, start, Self.inlineBytes) {
                        let id = TokenID(truncatingIfNeeded: meta)
                        let found = arena.withUnsafeBufferPointer { arena in
                            offsets.withUnsafeBufferPointer { offsets in
                                let lo = Int(offsets[Int(id)]), hi = Int(offsets[Int(id) + 1])
                                return hi - lo == length && Self.memoryEqual(arena.baseAddress! + lo, start, length)
                            }
                        }
                        if found { return id }
                    }
                }
                slot = (slot &+ 1) & mask
            }
        }
    }

    /// Whether `key` (zero-padded to a whole word) starts with `b[0..<n]` and has zeros after:
    /// the last partial word is one masked load when `b` has 8 readable bytes there.
    @inlinable @inline(__always)
    func paddedEqual(_ key: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int, _ readable: Int) -> Bool {
        let k = UnsafeRawPointer(key), r = UnsafeRawPointer(b)
        var i = 0
        while i + 8 <= n {
            if k.load(fromByteOffset: i, as: UInt64.self) != r.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        guard i < n else { return true }
        if i + 8 <= readable {
            let m: UInt64 = ~0 >> (64 &- 8 &* UInt64(n &- i))
            return UInt64(littleEndian: k.load(fromByteOffset: i, as: UInt64.self))
                == UInt64(littleEndian: r.loadUnaligned(fromByteOffset: i, as: UInt64.self)) & m
        }
        return Self.memoryEqual(key + i, b + i, n - i)
    }

    /// Whether `a[0..<n]` and `b[0..<n]` are equal (word by word, then bytes).
    @inlinable @inline(__always)
    static func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i + 8 <= n {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) { return false }
            i += 8
        }
        while i < n {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }
}
