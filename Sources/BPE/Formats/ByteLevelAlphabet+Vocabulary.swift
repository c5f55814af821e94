import Dispatch
import TokenmillSupport

/// The two steps every byte-level vocabulary file shares (`vocab.json` + `merges.txt` and
/// `tokenizer.json` spell tokens the same way): placing a token's bytes at its id, and resolving
/// the merges' spellings to rules. The loaders keep their own error messages, which name their
/// file's locations.
extension ByteLevelAlphabet {
    /// Decodes `text` and stores its bytes at `tokens[id]`, growing the table with holes (`nil`)
    /// for ids not seen yet. Returns false, storing nothing, if `text` has a character outside
    /// the alphabet. Amortized O(length of `text`).
    static func place(_ text: some StringProtocol, id: Int, in tokens: inout [[UInt8]?]) -> Bool {
        guard let bytes = decode(text) else { return false }
        if id >= tokens.count { tokens.append(contentsOf: repeatElement(nil, count: id - tokens.count + 1)) }
        tokens[id] = bytes
        return true
    }

    /// Why a merge of a vocabulary file could not be resolved (`index` counts the merges given).
    enum MergeFailure: Error {
        /// The entry is not two spellings of tokens of the table.
        case notTwoTokens(index: Int)
        /// Both halves are tokens, but their bytes joined are not.
        case joinedNotAToken(index: Int, left: TokenID, right: TokenID)
    }

    /// Resolves merges `0..<count` against `table`: the ids of the two byte-level spellings that
    /// `spelling(i)` gives (nil: the entry is malformed) and the id of their bytes joined.
    /// Throws the failure of the lowest failing index.
    ///
    /// Why in parallel, and three lookups from one scratch buffer: resolving cl100k's 100k merges
    /// (decode both halves to arrays, look each up, join them into a third array, look that up)
    /// was ~30% of loading its tokenizer.json (perf, `TokenmillBench load`), one cache miss in the
    /// 8 MB index per lookup. Here each worker decodes both halves once into one buffer, so the
    /// joined bytes are already in place, and the cores take contiguous ranges of merges, kept in
    /// order; the result is the same for any thread count. O(total spelling length).
    static func resolveMerges(count: Int, in table: ByteStringTable,
                              spelling: @Sendable (Int) -> (left: Substring, right: Substring)?) throws(MergeFailure)
        -> [(left: TokenID, right: TokenID, merged: TokenID)] {
        let workers = count >= 8192 ? min(ThreadCount.default, 8) : 1
        // Per worker: its rules in order, and the failure that stopped it.
        var parts = [(rules: [(left: TokenID, right: TokenID, merged: TokenID)], failure: MergeFailure?)](
            repeating: ([], nil), count: workers)
        parts.withUnsafeMutableBufferPointer { parts in
            nonisolated(unsafe) let out = parts  // each worker writes its own element
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                out[w] = resolve((count * w / workers)..<(count * (w + 1) / workers), in: table, spelling: spelling)
            }
        }
        if let failure = parts.lazy.compactMap(\.failure).first { throw failure }
        return parts.count == 1 ? parts[0].rules : parts.flatMap(\.rules)
    }

    /// The merges of `range`, in order, up to the first that fails.
    private static func resolve(_ range: Range<Int>, in table: ByteStringTable,
                                spelling: (Int) -> (left: Substring, right: Substring)?)
        -> (rules: [(left: TokenID, right: TokenID, merged: TokenID)], failure: MergeFailure?) {
        var rules: [(left: TokenID, right: TokenID, merged: TokenID)] = []
        rules.reserveCapacity(range.count)
        var scratch: [UInt8] = []
        for i in range {
            scratch.removeAll(keepingCapacity: true)
            guard let (left, right) = spelling(i), decode(left, appendingTo: &scratch) else { return (rules, .notTwoTokens(index: i)) }
            let split = scratch.count
            guard decode(right, appendingTo: &scratch), split > 0, scratch.count > split else { return (rules, .notTwoTokens(index: i)) }
            let found = scratch.withUnsafeBufferPointer { b in
                (table.lookup(b.baseAddress!, split), table.lookup(b.baseAddress! + split, b.count - split), table.lookup(b.baseAddress!, b.count))
            }
            guard let l = found.0, let r = found.1 else { return (rules, .notTwoTokens(index: i)) }
            guard let merged = found.2 else { return (rules, .joinedNotAToken(index: i, left: l, right: r)) }
            rules.append((l, r, merged))
        }
        return (rules, nil)
    }

    /// A merge written "left right": the two spellings around its one space, or nil when it has
    /// no space or more than one (a byte-level spelling has none: the space byte is "Ġ").
    static func splitMerge(_ line: Substring) -> (left: Substring, right: Substring)? {
        guard let space = line.utf8.firstIndex(of: 0x20) else { return nil }
        let right = line[line.utf8.index(after: space)...]
        guard !right.utf8.contains(0x20) else { return nil }
        return (line[..<space], right)
    }
}

extension Tokenizer {
    /// The error message of a merge whose halves are tokens but whose joined bytes are not.
    static func joinedNotAToken(_ left: TokenID, _ right: TokenID) -> String {
        "expected a merge of two tokens whose bytes joined are a token too, found ids \(left) and \(right), whose joined bytes are not in the vocabulary"
    }
}
