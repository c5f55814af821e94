/// The word lists of one pair shard and one worker's block (`PairShard.lists`): per pair, the
/// words of the block that may contain the pair, as chains of blocks carved from slabs of 2 MB
/// that the pool owns. A list's first block holds 7 word ids and the next block's id (32 bytes),
/// each later block twice as many up to 127 (512 bytes), so a list of n words is about
/// log n + n / 127 blocks and wastes at most about half its space, as a doubling array would.
///
/// Why not an array per list: the merge loop makes and drops millions of short lists (every pair
/// a merge creates gets one per worker), and a `[UInt32]` each cost a `malloc`, a `free` and
/// reference counting on every use: with two threads the lists were freed across the threads'
/// allocator arenas, 0.22 s a thread at the end of the 103.6 MB run against 0.09 s on one (and
/// `malloc`/`free`/retain/release were ~6% of the CPU profile). Here a list is three integers, a
/// dropped list's blocks go on the pool's free stacks, and freeing the pool is freeing its slabs.
/// Why growing blocks: with 7 words in every block, reading a long list was a chain of dependent
/// cache misses, one per 7 words (`memmove` under `copy`: 8% of a one-thread run's profile; the
/// loop took 2.8 s on one thread, 1.8-1.9 on two; with growing blocks 2.0-2.3 and 1.35-1.5).
/// Why no larger blocks: up to 2 KB (511 words) gave the same speed and 12 MB more peak RSS.
/// One thread at a time writes a pool (`MergeShared.pools`).
struct WordLists {
    /// A list: its first and last blocks (`none` when empty) and how many words it holds.
    struct List {
        var head = WordLists.none
        var tail = WordLists.none
        var count: UInt32 = 0
    }

    static let none = UInt32.max
    /// Block classes 0…4: class c has `8 << c` UInt32s, the last one the next block's id; a
    /// list's i-th block has class min(i, 4). A block id is its class (top 3 bits) and its index
    /// among the blocks of its class.
    static let classes = 5
    static let classShift: UInt32 = 29
    static let indexMask: UInt32 = (1 << 29) - 1
    /// Slabs of 2^19 UInt32s (2 MB): class c has 2^(16 - c) blocks a slab.
    static let slabUnitsShift = 19
    /// Words in a list's blocks before its block of class c (c ≤ 4): Σ (8 << i) - 1 for i < c.
    @inline(__always) static func wordsBefore(_ c: Int) -> UInt32 { UInt32(8 * ((1 << c) - 1) - c) }

    private(set) var slabs: [[UnsafeMutablePointer<UInt32>]] = Array(repeating: [], count: WordLists.classes)
    /// Blocks of each class handed out from the slabs so far (freed ones are on `free`).
    private var used = [Int](repeating: 0, count: WordLists.classes)
    /// Freed blocks of each class, reused last in first out. A stack of ids rather than a chain
    /// through the blocks: taking a block from a chain reads the block (a cache miss, as freed
    /// blocks are cold), and that load stood between every new list and its first word
    /// (`perf annotate`: a third of `PairShard.absorb`'s time).
    private var free: [[UInt32]] = Array(repeating: [], count: WordLists.classes)

    @inline(__always) static func units(_ c: Int) -> Int { 8 << c }

    @inline(__always) func block(_ id: UInt32) -> UnsafeMutablePointer<UInt32> {
        let c = Int(id >> WordLists.classShift), i = Int(id & WordLists.indexMask)
        let perSlabShift = WordLists.slabUnitsShift - 3 - c
        return slabs[c][i >> perSlabShift] + (i & ((1 << perSlabShift) - 1)) << (3 + c)
    }

    @inline(__always) private mutating func newBlock(_ c: Int) -> UInt32 {
        if let id = free[c].popLast() { return id }
        let perSlabShift = WordLists.slabUnitsShift - 3 - c
        if used[c] == slabs[c].count << perSlabShift {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: 4 << WordLists.slabUnitsShift, alignment: 64)
            slabs[c].append(raw.bindMemory(to: UInt32.self, capacity: 1 << WordLists.slabUnitsShift))
        }
        used[c] += 1
        return UInt32(c) << WordLists.classShift | UInt32(used[c] - 1)
    }

    /// Appends word `w` to `list`. O(1).
    @inline(__always) mutating func append(_ w: UInt32, to list: inout List) {
        if list.count == 0 {
            let b = newBlock(0)
            list.head = b
            list.tail = b
            block(b)[0] = w
            list.count = 1
            return
        }
        let c = Int(list.tail >> WordLists.classShift)
        let capacity = UInt32(WordLists.units(c) - 1)
        var fill = list.count - WordLists.wordsBefore(c)
        if c == WordLists.classes - 1 { fill = (fill - 1) % capacity + 1 }
        if fill == capacity {
            let b = newBlock(min(c + 1, WordLists.classes - 1))
            block(list.tail)[Int(capacity)] = b
            list.tail = b
            fill = 0
        }
        block(list.tail)[Int(fill)] = w
        list.count += 1
    }

    /// Appends `words` to `list`, in order. O(words).
    mutating func append(_ words: UnsafeBufferPointer<UInt32>, to list: inout List) {
        for w in words { append(w, to: &list) }
    }

    /// Puts `list`'s blocks on the free stacks and empties it. O(blocks): a list is released when
    /// its pair is merged, right after the step read it, so its blocks are in cache.
    mutating func release(_ list: inout List) {
        var b = list.head, left = Int(list.count)
        while left > 0 {
            let c = Int(b >> WordLists.classShift), capacity = WordLists.units(c) - 1
            free[c].append(b)
            left -= capacity
            if left > 0 { b = block(b)[capacity] }
        }
        list = List()
    }

    /// Replaces `out`'s contents with `list`'s words, in order (keeping `out`'s capacity). O(words).
    func copy(_ list: List, into out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        var left = Int(list.count), b = list.head
        while left > 0 {
            let p = block(b), capacity = WordLists.units(Int(b >> WordLists.classShift)) - 1
            let n = min(left, capacity)
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
            left -= n
            if left > 0 { b = p[capacity] }
        }
    }

    /// Frees the slabs (the value must not be used afterwards).
    mutating func deallocate() {
        for c in 0..<WordLists.classes {
            for s in slabs[c] { UnsafeMutableRawPointer(s).deallocate() }
        }
        self = WordLists()
    }
}
