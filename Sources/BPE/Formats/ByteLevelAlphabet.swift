/// GPT-2's reversible map from bytes to printable characters, in which Hugging Face
/// `tokenizer.json`, `vocab.json` and `merges.txt` spell byte-level tokens.
public enum ByteLevelAlphabet {
    /// `scalarOf[b]` is the character standing for byte b.
    static let scalarOf: [Unicode.Scalar] = {
        var printable = Set<Int>(0x21...0x7E)
        printable.formUnion(0xA1...0xAC)
        printable.formUnion(0xAE...0xFF)
        var map = [Unicode.Scalar](repeating: " ", count: 256)
        var next = 256
        for b in 0..<256 {
            if printable.contains(b) { map[b] = Unicode.Scalar(UInt32(b))! } else { map[b] = Unicode.Scalar(UInt32(next))!; next += 1 }
        }
        return map
    }()

    /// `byteOf[scalar]` is the byte a character stands for, or -1; the characters are all below
    /// U+0144. An array, not a dictionary: decoding the 100k tokens of a tokenizer.json was
    /// dominated by hashing each character.
    static let byteOf: [Int16] = {
        var inverse = [Int16](repeating: -1, count: 0x144)
        for (b, scalar) in scalarOf.enumerated() { inverse[Int(scalar.value)] = Int16(b) }
        return inverse
    }()

    /// The bytes a byte-level token string stands for, or nil if it has a character outside the map.
    static func decode(_ token: some StringProtocol) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.utf8.count)
        return decode(token, appendingTo: &bytes) ? bytes : nil
    }

    /// Appends the bytes `token` stands for to `bytes`; false (having appended part of them) if it
    /// has a character outside the map. O(length).
    static func decode(_ token: some StringProtocol, appendingTo bytes: inout [UInt8]) -> Bool {
        for scalar in token.unicodeScalars {
            let v = Int(scalar.value)
            guard v < byteOf.count, byteOf[v] >= 0 else { return false }
            bytes.append(UInt8(truncatingIfNeeded: byteOf[v]))
        }
        return true
    }

    /// The byte-level spelling of `bytes` (one character a byte). O(n).
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarOf[Int(b)]) }
        return String(s)
    }
}
