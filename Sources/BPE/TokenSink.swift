/// The ids of one text as the encoder appends them: a growable buffer that the encoder's inner
/// loops own outright, so that an append is a capacity compare and a store.
///
/// Why not `[TokenID]` there: every `Array.append` first asks the runtime whether the buffer is
/// uniquely referenced (a call, `swift_isUniquelyReferenced_nonNull_native`, ~1% of cl100k's
/// encoding time in perf by itself, and registers spilled around it), once per id: 5.4 M ids in
/// the benchmark's 19.2 MB. `Tokenizer.appendPieces` encodes into a sink and then copies the ids
/// into the caller's array in one go.
@usableFromInline
struct TokenSink {
    @usableFromInline var base: UnsafeMutablePointer<TokenID>
    @usableFromInline var count: Int
    @usableFromInline var capacity: Int

    /// An empty sink with room for `capacity` ids (at least 1) before it grows.
    @inlinable
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
        count = 0
    }

    @inlinable @inline(__always)
    mutating func append(_ id: TokenID) {
        if count == capacity { grow() }
        base[count] = id
        count &+= 1
    }

    /// Doubles the capacity.
    @usableFromInline @inline(never)
    mutating func grow() {
        let larger = UnsafeMutablePointer<TokenID>.allocate(capacity: 2 * capacity)
        larger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = larger
        capacity *= 2
    }

    /// The ids from `start` on.
    @inlinable @inline(__always)
    func ids(from start: Int) -> UnsafeBufferPointer<TokenID> {
        UnsafeBufferPointer(start: base + start, count: count - start)
    }

    @inlinable
    func deallocate() { base.deallocate() }
}
