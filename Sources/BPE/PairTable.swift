import TokenmillSupport

/// The merge rules: (left id, right id) → (priority, merged id), in an open-addressing table of
/// one 64-bit word per rule. Lower priority merges first.
///
/// Both kinds of vocabulary compile to this one table. Hugging Face merges lists give their line
/// number as priority. tiktoken ranks have no merge list: tiktoken merges the adjacent pair whose
/// concatenated bytes have the lowest rank, so every split of every token into two tokens is a rule
/// with the token's rank as priority; that table answers exactly tiktoken's question, with an
/// integer-keyed lookup instead of hashing byte strings inside the merge loop.
///
/// Layout: one word per slot, `left << 43 | right << 22 | priority` (ids below 2^21 - 1,
/// priorities below 2^22 - 1; `empty`, all ones, is a pair no vocabulary has), in huge pages. The
/// merged id is the priority itself for ranks (a rank is the id of the token it makes) and
/// `mergedByPriority[priority]` for a merges list (one entry per line), read only when a merge
/// is applied, not on every lookup.
///
/// Why one word: the merge loop's lookups are loads at random places in this table (perf: ~40%
/// of the merge loop, ~18% of cl100k's encoding time, was the load of the slot). With key and
/// value in two words per slot (issue 17's first layout) the table was 8 MB for cl100k and 16 MB
/// for o200k; one word halves it, so twice as many of its lines stay in the caches.
@usableFromInline
struct PairTable: Sendable {
    @usableFromInline let entries: HugePageBuffer<UInt64>
    @usableFromInline let mask: Int
    /// The merged id of each priority; nil when the priority is the merged id (ranks).
    @usableFromInline let mergedByPriority: [TokenID]?
    @usableFromInline static let empty = UInt64.max
    @usableFromInline static let priorityBits: UInt64 = 22
    @usableFromInline static let priorityMask: UInt64 = (1 << 22) - 1
    /// The priority reported for a pair that never merges (greater than every real priority).
    @usableFromInline static let never = UInt32(priorityMask)
    /// Ids must be below this (the largest 21-bit id would make the `empty` word).
    static let idLimit = (1 << 21) - 1

    /// The table word of a rule.
    @inlinable @inline(__always)
    static func word(_ left: TokenID, _ right: TokenID, priority: UInt32) -> UInt64 {
        key(left, right) << priorityBits | UInt64(priority)
    }

    @inlinable @inline(__always)
    static func key(_ left: TokenID, _ right: TokenID) -> UInt64 { UInt64(left) << 21 | UInt64(right) }

    /// A merges list's rules: `rules[i]` has priority i.
    init(merges rules: [(left: TokenID, right: TokenID, merged: TokenID)]) throws {
        guard rules.count < Int(Self.never) else {
            throw TokenizerError.invalidVocabulary("\(rules.count) merge rules: at most \(Self.never - 1) are supported")
        }
        var words: [UInt64] = []
        words.reserveCapacity(rules.count)
        for (line, rule) in rules.enumerated() {
            guard Int(rule.left) < Self.idLimit, Int(rule.right) < Self.idLimit else {
                throw TokenizerError.invalidVocabulary("merge \(line + 1) names id \(max(rule.left, rule.right)): ids up to \(Self.idLimit - 1) are supported")
            }
            words.append(Self.word(rule.left, rule.right, priority: UInt32(line)))
        }
        self.init(words: [words], mergedByPriority: rules.map(\.merged))
    }

    /// Rules as table words (`word(_:_:priority:)`), in parts taken in order (the parts of a
    /// parallel build); the callers have checked the ids and priorities. A pair listed twice
    /// keeps its first (lowest) priority, as Hugging Face does. `mergedByPriority` nil: each
    /// priority is the id it makes.
    init(words parts: [[UInt64]], mergedByPriority: [TokenID]?) {
        let ruleCount = parts.reduce(0) { $0 + $1.count }
        var capacity = 16
        while capacity < ruleCount * 2 { capacity <<= 1 }
        let mask = capacity - 1
        self.mask = mask
        self.mergedByPriority = mergedByPriority
        entries = HugePageBuffer(repeating: Self.empty, count: capacity) { entries in
            for part in parts {
                for word in part {
                    let key = word >> Self.priorityBits
                    var slot = Self.hash(key) & mask
                    while entries[slot] != Self.empty && entries[slot] >> Self.priorityBits != key { slot = (slot + 1) & mask }
                    if entries[slot] == Self.empty { entries[slot] = word }
                }
            }
        }
    }

    var count: Int { var n = 0; forEachRule { _, _, _, _ in n += 1 }; return n }

    /// Every rule, in table order.
    func forEachRule(_ body: (_ left: TokenID, _ right: TokenID, _ priority: UInt32, _ merged: TokenID) -> Void) {
        let e = entries.base
        for slot in 0..<entries.count where e[slot] != Self.empty {
            let word = e[slot], priority = UInt32(truncatingIfNeeded: word & Self.priorityMask)
            body(TokenID(truncatingIfNeeded: word >> 43), TokenID(truncatingIfNeeded: (word >> Self.priorityBits) & 0x1F_FFFF),
                 priority, merged(priority))
        }
    }

    @inlinable @inline(__always)
    static func hash(_ key: UInt64) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// The id that the rule of this priority makes.
    @inlinable @inline(__always)
    func merged(_ priority: UInt32) -> TokenID {
        guard let mergedByPriority else { return priority }
        return mergedByPriority.withUnsafeBufferPointer { $0[Int(priority)] }
    }

    /// The pair's priority, or `never` when it does not merge. O(1) expected; one word.
    @inlinable @inline(__always)
    func priority(_ left: TokenID, _ right: TokenID) -> UInt32 {
        let key = Self.key(left, right)
        let e = entries.base
        var slot = Self.hash(key) & mask
        while true {
            let word = e[slot]
            if word >> Self.priorityBits == key { return UInt32(truncatingIfNeeded: word & Self.priorityMask) }
            if word == Self.empty { return Self.never }
            slot = (slot &+ 1) & mask
        }
    }

    /// `priority(left, right)` through `memo`.
    @inlinable @inline(__always)
    func priority(_ left: TokenID, _ right: TokenID, memo: PairMemo) -> UInt32 {
        guard let m = memo.entries else { return priority(left, right) }
        let key = Self.key(left, right)
        let e = m + ((Self.hash(key) >> 32) & memo.mask)
        let word = e.pointee
        if word >> Self.priorityBits == key { return UInt32(truncatingIfNeeded: word & Self.priorityMask) }
        let p = priority(left, right)
        e.pointee = key << Self.priorityBits | UInt64(p)
        return p
    }

    /// The priorities of two pairs through `memo`, as `priority(_:_:memo:)` gives them: both
    /// memo words are loaded first; the table is read only for a pair the memo does not hold,
    /// and when both miss, both home slots are loaded before either is looked at. Why: after a
    /// merge the merge loop needs its two new neighbours' priorities; asked one after the other,
    /// the second table load started only once the first had returned (perf put the same stall
    /// on each, together ~14% of cl100k's encoding time); loaded first, the two misses overlap.
    /// Why the memo first (issue 17, third pass): when both table slots were loaded whatever the
    /// memo held, perf put 41% of the merge loop on those loads, yet the memo answers 68% of the
    /// merge loop's lookups (cl100k, the benchmark's 200,285 first occurrences of pieces to merge,
    /// simulated in Python: 2.97 M lookups, 2.02 M memo hits).
    @inlinable @inline(__always)
    func priorities(_ l1: TokenID, _ r1: TokenID, _ l2: TokenID, _ r2: TokenID, memo: PairMemo) -> (UInt32, UInt32) {
        let k1 = Self.key(l1, r1), k2 = Self.key(l2, r2)
        let h1 = Self.hash(k1), h2 = Self.hash(k2)
        let e = entries.base
        let s1 = h1 & mask, s2 = h2 & mask
        guard let m = memo.entries else { return (resolve(k1, e[s1], s1), resolve(k2, e[s2], s2)) }
        let m1 = m + ((h1 >> 32) & memo.mask), m2 = m + ((h2 >> 32) & memo.mask)
        let c1 = m1.pointee, c2 = m2.pointee
        let hit1 = c1 >> Self.priorityBits == k1, hit2 = c2 >> Self.priorityBits == k2
        // The table's answer for `k` (home slot `s`), which the memo word `m` then keeps.
        @inline(__always) func remember(_ m: UnsafeMutablePointer<UInt64>, _ k: UInt64, _ w: UInt64, _ s: Int) -> UInt32 {
            let p = resolve(k, w, s)
            m.pointee = k << Self.priorityBits | UInt64(p)
            return p
        }
        if hit1 {
            let p1 = UInt32(truncatingIfNeeded: c1 & Self.priorityMask)
            return (p1, hit2 ? UInt32(truncatingIfNeeded: c2 & Self.priorityMask) : remember(m2, k2, e[s2], s2))
        }
        if hit2 { return (remember(m1, k1, e[s1], s1), UInt32(truncatingIfNeeded: c2 & Self.priorityMask)) }
        let w1 = e[s1], w2 = e[s2]
        return (remember(m1, k1, w1, s1), remember(m2, k2, w2, s2))
    }

    /// The priority of `key`, whose home slot `slot` holds `word`.
    @inlinable @inline(__always)
    func resolve(_ key: UInt64, _ word: UInt64, _ slot: Int) -> UInt32 {
        if word >> Self.priorityBits == key { return UInt32(truncatingIfNeeded: word & Self.priorityMask) }
        if word == Self.empty { return Self.never }
        let e = entries.base
        var slot = (slot &+ 1) & mask
        while true {
            let word = e[slot]
            if word >> Self.priorityBits == key { return UInt32(truncatingIfNeeded: word & Self.priorityMask) }
            if word == Self.empty { return Self.never }
            slot = (slot &+ 1) & mask
        }
    }

    /// Priority and merged id for the pair, or priority `never`. O(1) expected.
    @inlinable @inline(__always)
    func rule(_ left: TokenID, _ right: TokenID) -> (priority: UInt32, merged: TokenID) {
        let p = priority(left, right)
        return (p, p == Self.never ? 0 : merged(p))
    }
}

/// A small direct-mapped memo of pair-table answers, one per thread encoding (it lives in
/// `PieceCache`), so that the merge loop's frequent pairs (common syllables) are answered from
/// 256 KB that stay in the core's L2 instead of the pair table. Why: after the piece cache,
/// the merge loop's pair lookups were still ~40% of cl100k's encoding time in perf, nearly all
/// of it the load of the table slot. Why 32,768 words (issue 17, third pass): since the memo is
/// read before the table (`PairTable.priorities`), its size decides how many table loads are
/// made; in a Python simulation of the merge loop over the benchmark's 200,285 first occurrences
/// of pieces to merge (cl100k, 2.97 M lookups) it answered 50% of them with 2,048 words, 59%
/// with 4,096, 68% with 8,192 (64 KB, the size before) and 80% with 32,768; cachegrind (one
/// cl100k pass, x86-64-v3 build) counted 10 M fewer instructions and 0.3 M fewer L1 misses with
/// 32,768 than with 8,192, and the same misses of a 1 MB cache. (With the table loaded whatever
/// the memo held, 65,536 words had measured the same as 8,192: issue 17, second pass.)
@usableFromInline
struct PairMemo {
    /// Table words (`PairTable.word`, priority `never` for a pair that does not merge);
    /// `PairTable.empty` when unused (it is the word of no pair looked up). nil: no memo.
    @usableFromInline let entries: UnsafeMutablePointer<UInt64>?
    @usableFromInline let mask: Int

    @inlinable init() { entries = nil; mask = 0 }

    /// `capacity`: a power of two.
    @inlinable init(capacity: Int) {
        let entries = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        entries.initialize(repeating: PairTable.empty, count: capacity)
        self.entries = entries
        mask = capacity - 1
    }
}
