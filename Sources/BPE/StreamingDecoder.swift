/// Decodes tokens one at a time for generation, emitting only complete UTF-8 text: bytes of a
/// character split across tokens are held back until the character is complete.
///
/// Invalid bytes (which can never complete) are emitted as U+FFFD as soon as that is certain, so
/// the concatenated output equals the lossy decoding of all tokens at once.
public struct StreamingDecoder {
    public let tokenizer: Tokenizer
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }

    /// Adds one token; returns the text that became complete (possibly empty).
    public mutating func push(_ id: TokenID) throws -> String {
        pending.append(contentsOf: try tokenizer.decodeBytes(CollectionOfOne(id)))
        let keep = incompleteSuffixLength(pending)
        let ready = pending[..<(pending.count - keep)]
        let text = String(decoding: ready, as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return text
    }

    /// Flushes what is held back (an incomplete sequence becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many bytes at the end form the start of a sequence that further bytes could complete.
    private func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var k = 1
        while k <= min(3, n) {
            let b = bytes[n - k]
            if b & 0xC0 == 0x80 { k += 1; continue } // continuation byte: look further back
            let length: Int
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return 0
            }
            guard length > k else { return 0 }
            // Check that the bytes seen so far can still be a valid prefix.
            let prefix = Array(bytes[(n - k)...])
            if prefix.count >= 2 {
                let b1 = prefix[1]
                if (b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F) || (b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 > 0x8F) { return 0 }
            }
            return k
        }
        return 0
    }
}
