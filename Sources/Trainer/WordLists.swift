/// The word lists of one pair shard (`PairShard.lists`): per pair and worker, the words of the
/// worker's block that may contain the pair, as chains of 32-byte blocks (7 word ids and the next
/// block's id) carved from slabs of 2 MB that the shard owns.
///
/// Why not an array per list: the merge loop makes and drops millions of short lists (every pair
/// a merge creates gets one per worker), and a `[UInt32]` each cost a `malloc`, a `free` and
/// reference counting on every use: with two threads the lists were freed across the threads'
/// allocator arenas, 0.22 s a thread at the end of the 103.6 MB run against 0.09 s on one (and
/// `malloc`/`free`/retain/release were ~6% of the CPU profile). Here a list is three integers, a
/// dropped list's blocks go on the shard's free chain in O(1), and freeing the shard is freeing
/// its slabs. Only the shard's owner (or worker 0 in a step it takes alone) writes it.
struct WordLists {
    /// A list: its first and last blocks (`none` when empty) and how many words it holds.
    struct List {
        var head = WordLists.none
        var tail = WordLists.none
        var count: UInt32 = 0
    }

    static let none = UInt32.max
    /// Word ids per block; the block's last UInt32 is the next block's id.
    static let perBlock: UInt32 = 7
    static let blockUnits = 8
    static let slabShift: UInt32 = 16
    static let slabMask: UInt32 = (1 << 16) - 1

    private(set) var slabs: [UnsafeMutablePointer<UInt32>] = []
    /// Blocks handed out from the slabs so far (freed ones are on `free`).
    private var used = 0
    /// The first block of the chain of freed blocks.
    private var free = WordLists.none

    @inline(__always) func block(_ id: UInt32) -> UnsafeMutablePointer<UInt32> {
        slabs[Int(id >> WordLists.slabShift)] + Int(id & WordLists.slabMask) * WordLists.blockUnits
    }

    @inline(__always) private mutating func newBlock() -> UInt32 {
        if free != WordLists.none {
            let id = free
            free = block(id)[WordLists.blockUnits - 1]
            return id
        }
        if used == slabs.count << Int(WordLists.slabShift) {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: WordLists.blockUnits * 4 << Int(WordLists.slabShift), alignment: 64)
            slabs.append(raw.bindMemory(to: UInt32.self, capacity: WordLists.blockUnits << Int(WordLists.slabShift)))
        }
        used += 1
        return UInt32(used - 1)
    }

    /// Appends word `w` to `list`. O(1).
    @inline(__always) mutating func append(_ w: UInt32, to list: inout List) {
        let k = Int(list.count % WordLists.perBlock)
        if k == 0 {
            let b = newBlock()
            block(b)[WordLists.blockUnits - 1] = WordLists.none
            if list.head == WordLists.none { list.head = b } else { block(list.tail)[WordLists.blockUnits - 1] = b }
            list.tail = b
        }
        block(list.tail)[k] = w
        list.count += 1
    }

    /// Appends `words` to `list`, in order. O(words).
    mutating func append(_ words: UnsafeBufferPointer<UInt32>, to list: inout List) {
        for w in words { append(w, to: &list) }
    }

    /// The last word of `list` (nil when empty). O(1).
    @inline(__always) func last(_ list: List) -> UInt32? {
        list.count == 0 ? nil : block(list.tail)[Int((list.count - 1) % WordLists.perBlock)]
    }

    /// Puts `list`'s blocks on the free chain and empties it. O(1).
    mutating func release(_ list: inout List) {
        if list.head != WordLists.none {
            block(list.tail)[WordLists.blockUnits - 1] = free
            free = list.head
        }
        list = List()
    }

    /// Replaces `out`'s contents with `list`'s words, in order (keeping `out`'s capacity). O(words).
    func copy(_ list: List, into out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        var left = Int(list.count), b = list.head
        while left > 0 {
            let p = block(b), n = min(left, Int(WordLists.perBlock))
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
            left -= n
            b = p[WordLists.blockUnits - 1]
        }
    }

    /// Frees the slabs (the value must not be used afterwards).
    mutating func deallocate() {
        for s in slabs { UnsafeMutableRawPointer(s).deallocate() }
        slabs = []
        used = 0
        free = WordLists.none
    }
}
