/// Finds special-token text in raw bytes: the leftmost occurrence, and the longest token there.
///
/// A first-byte filter makes the scan one table load per byte; the few tokens sharing a first byte
/// (`<|…|>` for tiktoken's) are then compared directly. O(n) for a fixed token set.
struct SpecialTokenMatcher: Sendable {
    private var candidates: [[(bytes: [UInt8], id: TokenID, text: String)]] = Array(repeating: [], count: 256)

    init(_ tokens: [String: TokenID]) {
        for (text, id) in tokens where !text.isEmpty {
            let bytes = Array(text.utf8)
            candidates[Int(bytes[0])].append((bytes, id, text))
        }
        for i in 0..<256 { candidates[i].sort { $0.bytes.count > $1.bytes.count || ($0.bytes.count == $1.bytes.count && $0.bytes.lexicographicallyPrecedes($1.bytes)) } }
    }

    func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (start: Int, end: Int, id: TokenID, text: String)? {
        var i = start
        let n = bytes.count
        while i < n {
            let list = candidates[Int(bytes[i])]
            if !list.isEmpty {
                for candidate in list where candidate.bytes.count <= n - i {
                    if candidate.bytes.withUnsafeBufferPointer({ c in memcmp(c.baseAddress!, bytes.baseAddress! + i, c.count) == 0 }) {
                        return (i, i + candidate.bytes.count, candidate.id, candidate.text)
                    }
                }
            }
            i += 1
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#endif
