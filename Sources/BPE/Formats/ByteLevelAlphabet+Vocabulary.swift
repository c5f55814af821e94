/// The two steps every byte-level vocabulary file shares (`vocab.json` + `merges.txt` and
/// `tokenizer.json` spell tokens the same way): placing a token's bytes at its id, and resolving
/// a merge's two spellings to ids. The loaders keep their own error messages, which name their
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

    /// The ids of a merge's two byte-level spellings in `table`, or nil when either is not a token
    /// of the table. O(length of both).
    static func mergeIDs(_ left: some StringProtocol, _ right: some StringProtocol,
                         in table: ByteStringTable) -> (left: TokenID, right: TokenID)? {
        guard let l = decode(left).flatMap(table.id(of:)), let r = decode(right).flatMap(table.id(of:)) else { return nil }
        return (l, r)
    }
}
