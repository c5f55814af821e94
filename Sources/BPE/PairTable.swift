import TokenmillSupport

/// The merge rules: (left id, right id) → (priority, merged id), in an open-addressing table keyed
/// by the pair packed into 64 bits. Lower priority merges first.
///
/// Both kinds of vocabulary compile to this one table. Hugging Face merges lists give their line
/// number as priority. tiktoken ranks have no merge list: tiktoken merges the adjacent pair whose
/// concatenated bytes have the lowest rank, so every split of every token into two tokens is a rule
/// with the token's rank as priority; that table answers exactly tiktoken's question, with an
/// integer-keyed lookup instead of hashing byte strings inside the merge loop.
///
/// Layout: key and value side by side (`entries[2s]`, `entries[2s + 1]`), so a lookup touches one
/// cache line, in huge pages. With keys and values in two arrays (before issue 17), the pair
/// lookups of the merge loop were ~30% of cl100k's encoding time in perf, most of it waiting on
/// the two loads.
@usableFromInline
struct PairTable: Sendable {
    @usableFromInline let entries: HugePageBuffer<UInt64>
    @usableFromInline let mask: Int
    @usableFromInline static let emptyKey = UInt64.max
    /// The priority reported for a pair that never merges.
    @usableFromInline static let never = UInt32.max

    init(rules: [(left: TokenID, right: TokenID, priority: UInt32, merged: TokenID)]) {
        var packed: [UInt64] = []
        packed.reserveCapacity(2 * rules.count)
        for rule in rules {
            packed.append(UInt64(rule.left) << 32 | UInt64(rule.right))
            packed.append(UInt64(rule.priority) << 32 | UInt64(rule.merged))
        }
        self.init(packedRules: [packed])
    }

    /// The rules as the table stores them: per rule `left << 32 | right`, then
    /// `priority << 32 | merged`, in parts taken in order (the parts of a parallel build). A pair
    /// listed twice keeps its first (lowest) priority, as Hugging Face does.
    init(packedRules parts: [[UInt64]]) {
        let ruleCount = parts.reduce(0) { $0 + $1.count / 2 }
        var capacity = 16
        while capacity < ruleCount * 2 { capacity <<= 1 }
        let mask = capacity - 1
        self.mask = mask
        // Every word starts as `emptyKey`: the value words of empty slots are never read, and one
        // pass over the 8 MB (cl100k) instead of two saves a page-sized write per slot group.
        entries = HugePageBuffer(repeating: Self.emptyKey, count: 2 * capacity) { entries in
            for part in parts {
                for r in stride(from: 0, to: part.count, by: 2) {
                    let key = part[r]
                    var slot = Self.hash(key) & mask
                    while entries[2 * slot] != Self.emptyKey && entries[2 * slot] != key { slot = (slot + 1) & mask }
                    if entries[2 * slot] == key { continue }
                    entries[2 * slot] = key
                    entries[2 * slot + 1] = part[r + 1]
                }
            }
        }
    }

    var count: Int { var n = 0; forEachRule { _, _, _, _ in n += 1 }; return n }

    /// Every rule, in table order.
    func forEachRule(_ body: (_ left: TokenID, _ right: TokenID, _ priority: UInt32, _ merged: TokenID) -> Void) {
        let e = entries.base
        for slot in 0..<(entries.count / 2) where e[2 * slot] != Self.emptyKey {
            let key = e[2 * slot], value = e[2 * slot + 1]
            body(TokenID(truncatingIfNeeded: key >> 32), TokenID(truncatingIfNeeded: key),
                 UInt32(truncatingIfNeeded: value >> 32), TokenID(truncatingIfNeeded: value))
        }
    }

    @inlinable @inline(__always)
    static func hash(_ key: UInt64) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// Priority << 32 | merged id for the pair, or `never` << 32 when it does not merge. O(1)
    /// expected; one cache line.
    @inlinable @inline(__always)
    func packedRule(_ left: TokenID, _ right: TokenID) -> UInt64 {
        let key = UInt64(left) << 32 | UInt64(right)
        let e = entries.base
        var slot = Self.hash(key) & mask
        while true {
            let k = e[2 &* slot]
            if k == key { return e[2 &* slot &+ 1] }
            if k == Self.emptyKey { return UInt64(Self.never) << 32 }
            slot = (slot &+ 1) & mask
        }
    }

    /// `packedRule(left, right)` through `memo`.
    @inlinable @inline(__always)
    func packedRule(_ left: TokenID, _ right: TokenID, memo: PairMemo) -> UInt64 {
        guard let m = memo.entries else { return packedRule(left, right) }
        let key = UInt64(left) << 32 | UInt64(right)
        let e = m + 2 &* ((Self.hash(key) >> 32) & memo.mask)
        if e[0] == key { return e[1] }
        let value = packedRule(left, right)
        e[0] = key
        e[1] = value
        return value
    }

    /// Priority and merged id for the pair, or priority `never`. O(1) expected.
    @inlinable @inline(__always)
    func rule(_ left: TokenID, _ right: TokenID) -> (priority: UInt32, merged: TokenID) {
        let v = packedRule(left, right)
        return (UInt32(truncatingIfNeeded: v >> 32), TokenID(truncatingIfNeeded: v))
    }
}

/// A small direct-mapped memo of pair-table answers, one per text being encoded (it lives in
/// `PieceCache`), so that the merge loop's frequent pairs (the byte pairs of one script's
/// letters, common syllables) are answered from a 64 KB table that stays in the core's cache
/// instead of the 8 MB pair table. Why: after the piece cache, the merge loop's pair lookups were
/// still ~40% of cl100k's encoding time in perf, nearly all of it the load of the table slot.
@usableFromInline
struct PairMemo {
    /// Two words per entry (key, packed rule); key `PairTable.emptyKey` when unused. nil: no memo.
    @usableFromInline let entries: UnsafeMutablePointer<UInt64>?
    @usableFromInline let mask: Int

    @inlinable init() { entries = nil; mask = 0 }

    /// `capacity`: a power of two.
    @inlinable init(capacity: Int) {
        let entries = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * capacity)
        entries.initialize(repeating: PairTable.emptyKey, count: 2 * capacity)
        self.entries = entries
        mask = capacity - 1
    }
}
