/// An immutable hash map from byte strings to token ids, stored as one byte arena plus an
/// open-addressing index.
///
/// Why not `Dictionary<[UInt8], TokenID>`: the encoder looks up every piece of every document here,
/// and a lookup must not allocate. This table hashes a borrowed byte range in place, compares
/// against the arena, and its index is one array of 32-bit ids. Lookup O(length), no allocation.
@usableFromInline
struct ByteStringTable: Sendable {
    @usableFromInline var arena: [UInt8] = []
    /// `offsets[id] ..< offsets[id + 1]` are the bytes of token `id` (empty for an unused id).
    @usableFromInline var offsets: [UInt32] = [0]
    @usableFromInline var slots: [UInt32] = []
    @usableFromInline var mask: Int = 0
    @usableFromInline static let empty = UInt32.max

    /// Builds the table from token byte strings indexed by id (nil for ids without bytes).
    init(tokens: [[UInt8]?]) {
        offsets.reserveCapacity(tokens.count + 1)
        for token in tokens {
            if let token { arena.append(contentsOf: token) }
            offsets.append(UInt32(arena.count))
        }
        var capacity = 16
        while capacity < tokens.count * 2 { capacity <<= 1 }
        slots = [UInt32](repeating: Self.empty, count: capacity)
        mask = capacity - 1
        for (id, token) in tokens.enumerated() {
            guard let token, !token.isEmpty else { continue }
            token.withUnsafeBufferPointer { buffer in
                var slot = Self.hash(buffer.baseAddress!, buffer.count) & mask
                while slots[slot] != Self.empty { slot = (slot + 1) & mask }
                slots[slot] = UInt32(id)
            }
        }
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

    /// Id of the token whose bytes are `start[0..<length]`, if any.
    @inlinable @inline(__always)
    func lookup(_ start: UnsafePointer<UInt8>, _ length: Int) -> TokenID? {
        var slot = Self.hash(start, length) & mask
        return arena.withUnsafeBufferPointer { arena in
            offsets.withUnsafeBufferPointer { offsets in
                slots.withUnsafeBufferPointer { slots in
                    while true {
                        let id = slots[slot]
                        if id == Self.empty { return nil }
                        let lo = Int(offsets[Int(id)]), hi = Int(offsets[Int(id) + 1])
                        if hi - lo == length && memoryEqual(arena.baseAddress! + lo, start, length) { return id }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    @inlinable @inline(__always)
    func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
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

    @inlinable @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int { Int(truncatingIfNeeded: ByteStringHash.hash(p, n)) }
}
