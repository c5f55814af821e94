import BPE
/// An open-addressing hash table from byte strings (pre-tokens) to occurrence counts.
///
/// Keys live back to back in one arena, so inserting a piece that is already present costs a
/// hash and a `memcmp`, with no allocation. Entries keep their insertion order, which is what
/// makes pruning and merging deterministic: the order depends only on the sequence of chunks.
struct PieceTable {
    var arena: [UInt8] = []
    var starts: [Int] = []
    var lengths: [UInt32] = []
    var counts: [UInt64] = []
    var hashes: [UInt64] = []
    /// Entry index + 1 per slot; 0 = empty. Power-of-two size, load ≤ 1/2.
    var slots: [Int32]
    var mask: Int

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { starts.count }

    /// Bytes this table holds, the figure `--memory-limit` bounds: the key arena and the four
    /// per-entry arrays (28 bytes an entry) as if each had grown by doubling (the next power of
    /// two of its length), plus the slot array. Computed from the lengths, never from
    /// `capacity`: Swift takes capacities from `malloc_usable_size`, which depends on the
    /// allocator's history (thread arenas, mmap threshold), and pruning decisions must not.
    var memoryBytes: Int { Self.modelBytes(entries: count, keyBytes: arena.count, slots: slots.count) }

    static func modelBytes(entries: Int, keyBytes: Int, slots: Int) -> Int {
        func doubled(_ n: Int) -> Int { n <= 16 ? 16 : 1 << (Int.bitWidth - (n - 1).leadingZeroBitCount) }
        return doubled(keyBytes) + doubled(entries) * 28 + slots * 4
    }

    /// `memoryBytes` after adding up to `entries` new entries of `keyBytes` bytes in all (all of
    /// them new: an upper bound, since `memoryBytes` only grows with the lengths).
    func memoryBound(addingEntries entries: Int, keyBytes: Int) -> Int {
        let n = count + entries
        var size = slots.count
        while n * 2 > size { size <<= 1 }
        return Self.modelBytes(entries: n, keyBytes: arena.count + keyBytes, slots: size)
    }

    /// The total number of occurrences.
    var totalOccurrences: UInt64 { counts.reduce(0, &+) }

    mutating func add(_ p: UnsafePointer<UInt8>, _ n: Int, count: UInt64 = 1) {
        add(p, n, count: count, hash: ByteStringHash.hash(p, n))
    }

    mutating func add(_ p: UnsafePointer<UInt8>, _ n: Int, count: UInt64, hash h: UInt64) {
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[slot])
            if e == 0 { break }
            let i = e - 1
            if hashes[i] == h && Int(lengths[i]) == n {
                let same = arena.withUnsafeBufferPointer { a in memcmp(a.baseAddress! + starts[i], p, n) == 0 }
                if same { counts[i] &+= count; return }
            }
            slot = (slot + 1) & mask
        }
        let index = starts.count
        starts.append(arena.count)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        lengths.append(UInt32(n))
        counts.append(count)
        hashes.append(h)
        slots[slot] = Int32(index + 1)
        if (index + 1) * 2 > slots.count { grow() }
    }

    private mutating func grow() {
        let size = slots.count * 2
        var newSlots = [Int32](repeating: 0, count: size)
        let newMask = size - 1
        for i in 0..<starts.count {
            var slot = Int(truncatingIfNeeded: hashes[i]) & newMask
            while newSlots[slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[slot] = Int32(i + 1)
        }
        slots = newSlots
        mask = newMask
    }

    /// Adds every entry of `other`, in `other`'s entry order.
    mutating func merge(_ other: PieceTable) {
        other.arena.withUnsafeBufferPointer { a in
            guard let base = a.baseAddress else { return }
            for i in 0..<other.count {
                add(base + other.starts[i], Int(other.lengths[i]), count: other.counts[i], hash: other.hashes[i])
            }
        }
    }

    func bytes(_ i: Int) -> ArraySlice<UInt8> { arena[starts[i]..<(starts[i] + Int(lengths[i]))] }

    /// Keeps only the entries for which `keep(index)` is true, in their order.
    /// The result's arrays are allocated at their exact final size. O(entries).
    func filtered(_ keep: (Int) -> Bool) -> PieceTable {
        var kept = 0, keptBytes = 0
        for i in 0..<count where keep(i) { kept += 1; keptBytes += Int(lengths[i]) }
        var result = PieceTable(capacity: kept)
        result.arena.reserveCapacity(keptBytes)
        result.starts.reserveCapacity(kept)
        result.lengths.reserveCapacity(kept)
        result.counts.reserveCapacity(kept)
        result.hashes.reserveCapacity(kept)
        arena.withUnsafeBufferPointer { a in
            guard let base = a.baseAddress else { return }
            for i in 0..<count where keep(i) {
                result.add(base + starts[i], Int(lengths[i]), count: counts[i], hash: hashes[i])
            }
        }
        return result
    }
}

#if canImport(Glibc)
import Glibc
#endif
