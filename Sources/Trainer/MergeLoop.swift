import Dispatch
import HeapModule

/// The order of the 256 byte tokens: ids 0…255 follow GPT-2's byte-to-unicode alphabet sorted by
/// code point (the printable bytes `!`…`~`, `¡`…`¬`, `®`…`ÿ` first, then the other 68 bytes), which
/// is the order GPT-2's vocabulary and Hugging Face's `BpeTrainer` give them.
public enum ByteAlphabet {
    public static let order: [UInt8] = {
        var printable = Array(UInt8(33)...UInt8(126)) + Array(UInt8(161)...UInt8(172)) + Array(UInt8(174)...UInt8(255))
        let set = Set(printable)
        for b in 0..<256 where !set.contains(UInt8(b)) { printable.append(UInt8(b)) }
        return printable
    }()
    /// `idOfByte[b]` is the token id of byte b.
    public static let idOfByte: [UInt32] = {
        var ids = [UInt32](repeating: 0, count: 256)
        for (id, b) in order.enumerated() { ids[Int(b)] = UInt32(id) }
        return ids
    }()
}

/// Open-addressing map from a pair key (left << 32 | right) to a dense pair index.
struct PairIndex {
    var keys: [UInt64]
    var values: [Int32]
    var mask: Int
    var count = 0
    static let empty = UInt64.max

    init(capacity: Int) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: PairIndex.empty, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always) static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    @inline(__always) func find(_ key: UInt64) -> Int32 {
        var s = PairIndex.slot(key, mask)
        while true {
            let k = keys[s]
            if k == key { return values[s] }
            if k == PairIndex.empty { return -1 }
            s = (s + 1) & mask
        }
    }

    /// The index of `key`, inserting `next` for a new key (then `inserted` is true).
    @inline(__always) mutating func findOrInsert(_ key: UInt64, next: Int32) -> (Int32, inserted: Bool) {
        var s = PairIndex.slot(key, mask)
        while true {
            let k = keys[s]
            if k == key { return (values[s], false) }
            if k == PairIndex.empty {
                keys[s] = key; values[s] = next; count += 1
                if count * 2 > keys.count { grow() }
                return (next, true)
            }
            s = (s + 1) & mask
        }
    }

    mutating func grow() {
        let oldKeys = keys, oldValues = values
        let size = keys.count * 2
        keys = [UInt64](repeating: PairIndex.empty, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (k, v) in zip(oldKeys, oldValues) where k != PairIndex.empty {
            var s = PairIndex.slot(k, mask)
            while keys[s] != PairIndex.empty { s = (s + 1) & mask }
            keys[s] = k; values[s] = v
        }
    }
}

/// Live pair counts, the words each pair occurs in, and the pairs that gained this step.
struct PairState {
    var index = PairIndex(capacity: 1 << 16)
    var count: [Int64] = []
    var words: [[Int32]] = []
    var keyOf: [UInt64] = []
    var isTouched: [Bool] = []
    var touched: [Int32] = []

    /// Adds `delta` to pair (x, y), which occurs in word `w`.
    @inline(__always)
    mutating func change(_ x: UInt32, _ y: UInt32, _ delta: Int64, _ w: Int32) {
        let key = UInt64(x) << 32 | UInt64(y)
        let (q, inserted) = index.findOrInsert(key, next: Int32(count.count))
        let qi = Int(q)
        if inserted {
            count.append(0); words.append([]); isTouched.append(false); keyOf.append(key)
        }
        count[qi] += delta
        if delta > 0 {
            if words[qi].last != w { words[qi].append(w) }
            if !isTouched[qi] { isTouched[qi] = true; touched.append(q) }
        }
    }
}

/// A candidate merge in the priority queue. Greater = merged first: higher count, then the pair
/// with the smaller (left id, right id). Entries go stale when counts change; they are checked
/// against the live count when popped (lazy invalidation).
struct Candidate: Comparable {
    var count: Int64
    var key: UInt64
    static func < (a: Candidate, b: Candidate) -> Bool {
        a.count != b.count ? a.count < b.count : a.key > b.key
    }
}

/// The result of the merge loop: token bytes by id (0…255 the bytes in `ByteAlphabet.order`) and
/// the merge rules in the order they were learned.
struct MergeResult {
    var tokens: [[UInt8]]
    var merges: [(left: UInt32, right: UInt32)]
    var mergeCounts: [Int64]
    /// Merges whose result was already a token (another split of the same bytes); they add a rule
    /// but no token, as in Hugging Face's trainer.
    var duplicateMerges = 0
    var stopReason = ""
    /// Seconds spent building the initial pair counts, word lists and heap.
    var setupSeconds = 0.0
}

/// Byte-level BPE merges over a weighted word list.
///
/// Words are stored as symbol ids back to back. Each pair has a live count and a list of the
/// words that (may) contain it; merging pair (a, b) visits only the words on that list, rewrites
/// them left to right (non-overlapping, as Hugging Face's `Word::merge`), and applies the local
/// count changes of each occurrence: (prev, a) and (b, next) lose the word's weight, (prev, new)
/// and (new, next) gain it. Pairs that gain are pushed on the heap; pairs that lose are corrected
/// when popped.
struct MergeLoop {
    var symbols: [UInt32] = []
    var wordStart: [Int] = []
    var wordLength: [Int32] = []
    var wordCount: [Int64] = []

    init(words: PreTokenCounts) {
        let idOfByte = ByteAlphabet.idOfByte
        symbols.reserveCapacity(words.keyBytes)
        wordStart.reserveCapacity(words.count)
        for table in words.shards {
            for i in 0..<table.count {
                let n = Int(table.lengths[i])
                wordStart.append(symbols.count)
                wordLength.append(Int32(n))
                wordCount.append(Int64(table.counts[i]))
                let s = table.starts[i]
                for k in 0..<n { symbols.append(idOfByte[Int(table.arena[s + k])]) }
            }
        }
    }

    mutating func run(targetTokens: Int, minFrequency: Int64, maxTokenLength: Int,
                      progress: ((Int, Int) -> Void)?) -> MergeResult {
        var tokens: [[UInt8]] = ByteAlphabet.order.map { [$0] }
        var tokenLength: [Int32] = Array(repeating: 1, count: 256)
        var idOfBytes: [[UInt8]: UInt32] = [:]
        for (id, b) in ByteAlphabet.order.enumerated() { idOfBytes[[b]] = UInt32(id) }
        var result = MergeResult(tokens: [], merges: [], mergeCounts: [])
        let maxLen = Int32(clamping: maxTokenLength)
        // Hugging Face's rule (tokenizers 0.23 `Word::merge`): a pair is counted only if the token
        // it would make is shorter than max_token_length; pairs of two bytes are always counted.
        // Applied to both increments and decrements, so every count stays exact.
        @inline(__always) func ok(_ length: Int32) -> Bool { length == 2 || length < maxLen }

        // Initial pair counts and word lists.
        let setupStart = DispatchTime.now().uptimeNanoseconds
        let wordTotal = wordStart.count
        let sym = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, symbols.count))
        sym.initialize(from: symbols, count: symbols.count)
        defer { sym.deallocate() }
        symbols = []
        var pairs = PairState()
        for w in 0..<wordTotal {
            let s = wordStart[w], n = Int(wordLength[w]), c = wordCount[w]
            guard n >= 2 else { continue }
            for k in 0..<(n - 1) { pairs.change(sym[s + k], sym[s + k + 1], c, Int32(w)) }
        }
        var heap = Heap<Candidate>(pairs.touched.map { Candidate(count: pairs.count[Int($0)], key: pairs.keyOf[Int($0)]) })
        for q in pairs.touched { pairs.isTouched[Int(q)] = false }
        pairs.touched.removeAll(keepingCapacity: true)

        result.setupSeconds = Double(DispatchTime.now().uptimeNanoseconds - setupStart) / 1e9
        var stamp = [Int32](repeating: -1, count: wordTotal)
        var step: Int32 = 0
        let total = max(0, targetTokens - 256)
        result.stopReason = "vocabulary size reached"

        while tokens.count < targetTokens {
            guard let top = heap.popMax() else { result.stopReason = "no pairs left"; break }
            let p = Int(pairs.index.find(top.key))
            let live = pairs.count[p]
            if live != top.count {
                if live > 0 { heap.insert(Candidate(count: live, key: top.key)) }
                continue
            }
            if live < 1 || live < minFrequency { result.stopReason = "next pair below --min-frequency"; break }
            let a = UInt32(truncatingIfNeeded: top.key >> 32), b = UInt32(truncatingIfNeeded: top.key)
            let merged = tokens[Int(a)] + tokens[Int(b)]
            let newID: UInt32
            if let existing = idOfBytes[merged] {
                newID = existing
                result.duplicateMerges += 1
            } else {
                newID = UInt32(tokens.count)
                tokens.append(merged)
                tokenLength.append(Int32(merged.count))
                idOfBytes[merged] = newID
            }
            result.merges.append((a, b))
            result.mergeCounts.append(live)
            let newLen = tokenLength[Int(newID)]
            let lenA = tokenLength[Int(a)], lenB = tokenLength[Int(b)]

            let list = pairs.words[p]
            pairs.words[p] = []
            step += 1
            for w in list where stamp[Int(w)] != step {
                stamp[Int(w)] = step
                let s = wordStart[Int(w)], n = Int(wordLength[Int(w)]), c = wordCount[Int(w)]
                var r = 0, out = 0
                while r < n {
                    if r + 1 < n && sym[s + r] == a && sym[s + r + 1] == b {
                        if out > 0 {
                            let prev = sym[s + out - 1]
                            let lp = tokenLength[Int(prev)]
                            if ok(lp + lenA) { pairs.change(prev, a, -c, w) }
                            if ok(lp + newLen) { pairs.change(prev, newID, c, w) }
                        }
                        if r + 2 < n {
                            let next = sym[s + r + 2]
                            let ln = tokenLength[Int(next)]
                            if ok(lenB + ln) { pairs.change(b, next, -c, w) }
                            if ok(newLen + ln) { pairs.change(newID, next, c, w) }
                        }
                        sym[s + out] = newID
                        out += 1; r += 2
                    } else {
                        sym[s + out] = sym[s + r]
                        out += 1; r += 1
                    }
                }
                wordLength[Int(w)] = Int32(out)
            }
            // Every occurrence of (a, b) is merged away now (left to right leaves none, even in
            // "aaa" for (a, a)), so its count is exactly zero.
            pairs.count[p] = 0
            for q in pairs.touched {
                let qi = Int(q)
                pairs.isTouched[qi] = false
                if pairs.count[qi] > 0 { heap.insert(Candidate(count: pairs.count[qi], key: pairs.keyOf[qi])) }
            }
            pairs.touched.removeAll(keepingCapacity: true)
            progress?(result.merges.count, total)
        }
        result.tokens = tokens
        return result
    }
}

