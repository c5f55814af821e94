/// Byte-substring search, shared by the readers that look for delimiters in raw bytes: the
/// Wikipedia dump's tags, WARC's CRLF CRLF header ends and chunk lines, HTML comments.
enum ByteSearch {
    /// First index of `needle` in `bytes[from..<limit]` (`limit` defaults to the end; a `from`
    /// before the start counts from the start), or nil. Jumps between occurrences of the needle's
    /// first byte with `firstIndex(of:)` and compares the rest there: O(n) for the short
    /// delimiters the readers use (O(n·m) at worst).
    static func find<C: RandomAccessCollection, N: Collection>(_ needle: N, in bytes: C, from: Int, limit: Int? = nil) -> Int?
    where C.Element == UInt8, C.Index == Int, N.Element == UInt8 {
        let n = Array(needle)
        let limit = limit ?? bytes.endIndex
        let from = max(from, bytes.startIndex)
        guard let first = n.first, limit - from >= n.count else { return nil }
        var i = from
        while i <= limit - n.count {
            guard let hit = bytes[i..<(limit - n.count + 1)].firstIndex(of: first) else { return nil }
            var k = 1
            while k < n.count && bytes[hit + k] == n[k] { k += 1 }
            if k == n.count { return hit }
            i = hit + 1
        }
        return nil
    }
}
