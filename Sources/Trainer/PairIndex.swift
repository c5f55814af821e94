/// Open-addressing map from a pair key (left << 32 | right) to a dense pair index.
/// Key and index share a 16-byte slot, so a lookup is one cache miss.
struct PairIndex {
    struct Slot {
        var key: UInt64
        var value: Int32
    }
    var slots: [Slot]
    var mask: Int
    var count = 0
    static let empty = UInt64.max

    init(capacity: Int) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(key: PairIndex.empty, value: -1), count: size)
        mask = size - 1
    }

    @inline(__always) static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// The key in `key`'s first slot: a read that brings the slot into cache ahead of a lookup.
    @inline(__always) func peek(_ key: UInt64) -> UInt64 { slots[PairIndex.slot(key, mask)].key }

    @inline(__always) func find(_ key: UInt64) -> Int32 {
        var s = PairIndex.slot(key, mask)
        while true {
            let k = slots[s].key
            if k == key { return slots[s].value }
            if k == PairIndex.empty { return -1 }
            s = (s + 1) & mask
        }
    }

    /// The index of `key`, inserting `next` for a new key (then `inserted` is true).
    @inline(__always) mutating func findOrInsert(_ key: UInt64, next: Int32) -> (Int32, inserted: Bool) {
        var s = PairIndex.slot(key, mask)
        while true {
            let k = slots[s].key
            if k == key { return (slots[s].value, false) }
            if k == PairIndex.empty {
                slots[s] = Slot(key: key, value: next); count += 1
                if count * 2 > slots.count { grow() }
                return (next, true)
            }
            s = (s + 1) & mask
        }
    }

    mutating func grow() {
        let old = slots
        let size = slots.count * 2
        slots = [Slot](repeating: Slot(key: PairIndex.empty, value: -1), count: size)
        mask = size - 1
        for entry in old where entry.key != PairIndex.empty {
            var s = PairIndex.slot(entry.key, mask)
            while slots[s].key != PairIndex.empty { s = (s + 1) & mask }
            slots[s] = entry
        }
    }
}
