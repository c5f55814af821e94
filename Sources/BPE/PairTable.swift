/// The merge rules: (left id, right id) → (priority, merged id), in an open-addressing table keyed
/// by the pair packed into 64 bits. Lower priority merges first.
///
/// Both kinds of vocabulary compile to this one table. Hugging Face merges lists give their line
/// number as priority. tiktoken ranks have no merge list: tiktoken merges the adjacent pair whose
/// concatenated bytes have the lowest rank, so every split of every token into two tokens is a rule
/// with the token's rank as priority; that table answers exactly tiktoken's question, with an
/// integer-keyed lookup instead of hashing byte strings inside the merge loop.
@usableFromInline
struct PairTable: Sendable {
    @usableFromInline var keys: [UInt64]
    @usableFromInline var values: [UInt64]
    @usableFromInline var mask: Int
    @usableFromInline static let emptyKey = UInt64.max
    /// The priority reported for a pair that never merges.
    @usableFromInline static let never = UInt32.max

    init(rules: [(left: TokenID, right: TokenID, priority: UInt32, merged: TokenID)]) {
        var capacity = 16
        while capacity < rules.count * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: Self.emptyKey, count: capacity)
        values = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        for rule in rules {
            let key = UInt64(rule.left) << 32 | UInt64(rule.right)
            var slot = Self.hash(key) & mask
            while keys[slot] != Self.emptyKey && keys[slot] != key { slot = (slot + 1) & mask }
            // A pair listed twice keeps its first (lowest) priority, as Hugging Face does.
            if keys[slot] == key { continue }
            keys[slot] = key
            values[slot] = UInt64(rule.priority) << 32 | UInt64(rule.merged)
        }
    }

    var count: Int { keys.lazy.filter { $0 != Self.emptyKey }.count }

    @inlinable @inline(__always)
    static func hash(_ key: UInt64) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// Priority and merged id for the pair, or priority `never`. O(1) expected.
    @inlinable @inline(__always)
    func rule(_ left: TokenID, _ right: TokenID) -> (priority: UInt32, merged: TokenID) {
        let key = UInt64(left) << 32 | UInt64(right)
        return keys.withUnsafeBufferPointer { keys in
            var slot = Self.hash(key) & mask
            while true {
                let k = keys[slot]
                if k == key {
                    let v = values[slot]
                    return (UInt32(truncatingIfNeeded: v >> 32), TokenID(truncatingIfNeeded: v))
                }
                if k == Self.emptyKey { return (Self.never, 0) }
                slot = (slot + 1) & mask
            }
        }
    }
}
