/// Counts of 64-bit keys that are already well mixed (n-gram hashes), in an open-addressing
/// table: no per-operation SipHash as in `Dictionary`, which made Gopher repetition's n-gram
/// counting the slowest filter.
struct HashCounter {
    private var keys: [UInt64]
    private var counts: [Int32]
    private var firsts: [Int32]
    private let mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        counts = Array(repeating: 0, count: size)
        firsts = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Adds one occurrence of `key` first seen at `position`; returns the count before.
    @inline(__always) mutating func add(_ key: UInt64, at position: Int) -> Int {
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            if counts[slot] == 0 {
                keys[slot] = key; counts[slot] = 1; firsts[slot] = Int32(position)
                return 0
            }
            if keys[slot] == key { counts[slot] += 1; return Int(counts[slot] - 1) }
            slot = (slot + 1) & mask
        }
    }

    /// The most frequent key's count and first position; ties go to the earliest first position.
    func top() -> (count: Int, first: Int) {
        var best = (count: 0, first: Int.max)
        for slot in 0...mask where counts[slot] > 0 {
            let c = Int(counts[slot]), f = Int(firsts[slot])
            if c > best.count || (c == best.count && f < best.first) { best = (c, f) }
        }
        return best
    }
}
