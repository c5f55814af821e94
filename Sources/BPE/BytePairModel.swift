import Dispatch
import TokenmillSupport

/// A byte-level BPE vocabulary: token bytes by id, the merge rules, and how whole pieces may be
/// looked up directly.
///
/// Invariants (checked at construction): every byte 0…255 is a token; every merge rule's result
/// is a token. The model holds no normal-text special tokens: those belong to `Tokenizer`.
public struct BytePairModel: Sendable {
    @usableFromInline let tokens: ByteStringTable
    @usableFromInline let pairs: PairTable
    @usableFromInline let byteIDs: [TokenID]
    /// The priority of the pair (byteIDs[a], byteIDs[b]) at `a << 8 | b` (`PairTable.never` when
    /// it does not merge). Why: a piece's merge starts with the priorities of all its byte pairs,
    /// about half of the merge loop's lookups; from this 256 KB array (which stays in the core's
    /// L2) each is one load, without the memo's hash, compare and hard-to-predict branch.
    @usableFromInline let bytePairPriorities: [UInt32]
    /// Ids whose bytes, met as a whole piece, encode to that id alone. nil means "all of them",
    /// which is tiktoken's rule (it returns the rank of a whole piece before merging anything).
    @usableFromInline let directLookup: [Bool]?
    /// Where the merge rules came from, which decides how the model is written back out.
    public let origin: Origin

    public enum Origin: Sendable, Hashable {
        /// Ranks (tiktoken): a pair merges when its concatenation is a token; priority = rank.
        case ranks
        /// A merges list (Hugging Face, GPT-2 merges.txt): priority = line number.
        case merges
    }

    /// The number of ids (one more than the largest id that has bytes).
    public var count: Int { tokens.count }

    /// The bytes of `id`. O(length).
    public func bytes(of id: TokenID) -> [UInt8]? {
        guard Int(id) < tokens.count, tokens.length(of: id) > 0 else { return nil }
        return Array(tokens.bytes(of: id))
    }

    /// The id of the token with exactly these bytes.
    public func id(of bytes: [UInt8]) -> TokenID? {
        tokens.id(of: bytes)
    }

    /// Builds a model from tiktoken-style ranks: `tokens[rank]` is the byte string of that rank.
    ///
    /// O(total token bytes): each token is split at every position, and each split whose halves
    /// are both tokens becomes a merge rule (see `PairTable` for why).
    public init(ranks tokens: [[UInt8]?]) throws {
        try self.init(rankTable: ByteStringTable(tokens: tokens))
    }

    /// `init(ranks:)` on the table of token bytes by rank (the `.tiktoken` loader builds it
    /// without an array per token).
    ///
    /// Why in parallel: finding every split (1.3 M table lookups for cl100k) and building the pair
    /// table was ~30% of a whole `tokenmill encode` process on an 11-byte input (perf, 0.1 s of
    /// CPU), paid by every process before the first id. The ranks are split between the cores
    /// into ranges of equal token bytes (later ranks are longer); the parts are inserted in rank
    /// order, so the table is the same for any thread count.
    init(rankTable table: ByteStringTable) throws {
        let count = table.count, totalBytes = table.arena.count
        guard count < PairTable.idLimit else {
            throw TokenizerError.invalidVocabulary("\(count) ranks: at most \(PairTable.idLimit - 1) are supported")
        }
        let workers = count >= 8192 ? min(ThreadCount.default, 8) : 1
        // Worker w takes the ids whose bytes start in [totalBytes * w / workers, … (w + 1) …).
        let bounds = (0...workers).map { w -> Int in
            let target = UInt32(totalBytes * w / workers)
            var lo = 0, hi = count
            while lo < hi { let mid = (lo + hi) / 2; if table.offsets[mid] < target { lo = mid + 1 } else { hi = mid } }
            return w == workers ? count : lo
        }
        var parts = [[UInt64]](repeating: [], count: workers)
        parts.withUnsafeMutableBufferPointer { parts in
            nonisolated(unsafe) let out = parts  // each worker writes its own element
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var rules: [UInt64] = []
                rules.reserveCapacity(3 * (bounds[w + 1] - bounds[w]))
                // Per split k of the token: the hashes of its two halves, and whether each may be
                // a token (its home slot is not empty).
                var hashes: [(left: UInt64, right: UInt64, maybe: Bool)] = []
                table.arena.withUnsafeBufferPointer { arena in
                    table.offsets.withUnsafeBufferPointer { offsets in
                        for rank in bounds[w]..<bounds[w + 1] {
                            let lo = Int(offsets[rank]), length = Int(offsets[rank + 1]) - lo
                            guard length >= 2 else { continue }
                            // The arena goes on after the token: lookups may read whole words.
                            let p = arena.baseAddress! + lo, readable = arena.count - lo
                            // Two passes: first every half's hash and home slot, loads that do not
                            // depend on each other, so the core keeps many of these cache misses
                            // in flight (the 8 MB index is read at random); then the lookups,
                            // which find those slots cached. One pass of lookups, each waiting
                            // on its miss, was 63% of loading cl100k (perf, ~110 ns a lookup).
                            hashes.removeAll(keepingCapacity: true)
                            for k in 1..<length {
                                let left = ByteStringHash.hash(p, k, readable: readable)
                                let right = ByteStringHash.hash(p + k, length - k, readable: readable - k)
                                // `min` rather than `&&`: both loads issued, no branch on the first.
                                hashes.append((left, right, min(table.homeSlotMeta(hash: left), table.homeSlotMeta(hash: right)) != 0))
                            }
                            for k in 1..<length where hashes[k - 1].maybe {
                                guard let left = table.lookup(p, k, hash: hashes[k - 1].left, readable: readable),
                                      let right = table.lookup(p + k, length - k, hash: hashes[k - 1].right, readable: readable - k) else { continue }
                                rules.append(PairTable.word(left, right, priority: UInt32(rank)))
                            }
                        }
                    }
                }
                out[w] = rules
            }
        }
        try self.init(tokens: table, pairs: PairTable(words: parts, mergedByPriority: nil), origin: .ranks, directLookup: nil)
    }

    /// Builds a model from a merges list (Hugging Face): `merges[i]` joins two token strings and
    /// has priority i. `tokens[id]` are the byte strings by id. With `ignoreMerges` (a
    /// `tokenizer.json` option) a piece that is itself a token is taken whole.
    public init(tokens: [[UInt8]?], merges: [(left: TokenID, right: TokenID)], ignoreMerges: Bool = false) throws {
        try self.init(table: ByteStringTable(tokens: tokens), merges: merges, ignoreMerges: ignoreMerges)
    }

    /// `init(tokens:merges:ignoreMerges:)` on a table already built.
    init(table: ByteStringTable, merges: [(left: TokenID, right: TokenID)], ignoreMerges: Bool) throws {
        var rules: [(left: TokenID, right: TokenID, merged: TokenID)] = []
        rules.reserveCapacity(merges.count)
        var joined: [UInt8] = []
        for (line, merge) in merges.enumerated() {
            guard Int(merge.left) < table.count, Int(merge.right) < table.count else {
                throw TokenizerError.invalidVocabulary("merge \(line + 1) names id \(max(merge.left, merge.right)), past the vocabulary's \(table.count) ids")
            }
            joined.removeAll(keepingCapacity: true)
            joined.append(contentsOf: table.bytes(of: merge.left))
            joined.append(contentsOf: table.bytes(of: merge.right))
            guard let merged = joined.withUnsafeBufferPointer({ $0.isEmpty ? nil : table.lookup($0.baseAddress!, $0.count) }) else {
                throw TokenizerError.invalidVocabulary(
                    "merge \(line + 1) joins ids \(merge.left) and \(merge.right) into bytes that are not in the vocabulary")
            }
            rules.append((merge.left, merge.right, merged))
        }
        try self.init(table: table, rules: rules, ignoreMerges: ignoreMerges)
    }

    /// A model from merge rules already resolved against `table` (the vocabulary files' loaders
    /// resolve them from their spellings, `ByteLevelAlphabet.resolveMerges`): rule i joins `left`
    /// and `right` into `merged` with priority i.
    init(table: ByteStringTable, rules: [(left: TokenID, right: TokenID, merged: TokenID)], ignoreMerges: Bool) throws {
        try self.init(tokens: table, pairs: PairTable(merges: rules), origin: .merges, directLookup: nil)
        if !ignoreMerges {
            // Hugging Face always merges, so a piece that is a token may still encode otherwise;
            // record which tokens are safe to take whole (almost all, in real vocabularies).
            // Merging every token was a third of loading cl100k's tokenizer.json (perf), so the
            // ids are split between the cores in two contiguous halves (no shared cache lines
            // but one); the result does not depend on the split.
            let model = self, count = table.count
            var safe = [Bool](repeating: false, count: count)
            let workers = count >= 8192 ? min(ThreadCount.default, 8) : 1
            safe.withUnsafeMutableBufferPointer { buffer in
                nonisolated(unsafe) let out = buffer  // workers write disjoint ranges
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    var scratch = TokenSink(capacity: 64)
                    defer { scratch.deallocate() }
                    for id in (count * w / workers)..<(count * (w + 1) / workers) where model.tokens.length(of: TokenID(id)) > 0 {
                        let bytes = model.tokens.bytes(of: TokenID(id))
                        scratch.count = 0
                        bytes.withUnsafeBufferPointer { model.mergePiece($0.baseAddress!, $0.count, into: &scratch) }
                        out[id] = scratch.count == 1 && scratch.base[0] == TokenID(id)
                    }
                }
            }
            self = try BytePairModel(tokens: table, pairs: pairs, origin: .merges, directLookup: safe)
        }
    }

    init(tokens: ByteStringTable, pairs: PairTable, origin: Origin, directLookup: [Bool]?) throws {
        var byteIDs = [TokenID](repeating: 0, count: 256)
        for b in 0..<256 {
            var byte = UInt8(b)
            guard let id = tokens.lookup(&byte, 1) else {
                throw TokenizerError.invalidVocabulary(
                    "byte 0x\(String(b, radix: 16, uppercase: true)) has no token; a byte-level BPE vocabulary needs all 256 bytes")
            }
            byteIDs[b] = id
        }
        self.tokens = tokens
        self.pairs = pairs
        self.byteIDs = byteIDs
        var bytePairPriorities = [UInt32](repeating: PairTable.never, count: 1 << 16)
        for a in 0..<256 {
            for b in 0..<256 { bytePairPriorities[a << 8 | b] = pairs.priority(byteIDs[a], byteIDs[b]) }
        }
        self.bytePairPriorities = bytePairPriorities
        self.origin = origin
        self.directLookup = directLookup
    }
}
