/// GPT-2's reversible map from bytes to printable characters, in which Hugging Face
/// `tokenizer.json`, `vocab.json` and `merges.txt` spell byte-level tokens.
enum ByteLevelAlphabet {
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

    static let byteOf: [UInt32: UInt8] = {
        var inverse: [UInt32: UInt8] = [:]
        for (b, scalar) in scalarOf.enumerated() { inverse[scalar.value] = UInt8(b) }
        return inverse
    }()

    /// The bytes a byte-level token string stands for, or nil if it has a character outside the map.
    static func decode(_ token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let b = byteOf[scalar.value] else { return nil }
            bytes.append(b)
        }
        return bytes
    }

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarOf[Int(b)]) }
        return String(s)
    }
}
