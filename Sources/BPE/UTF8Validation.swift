/// UTF-8 validation and repair on raw bytes (no String round trip).
public enum UTF8Validation {
    /// Byte offset of the first byte that does not start or continue a valid UTF-8 sequence, or
    /// nil if all of `bytes` is valid. ASCII runs are skipped eight bytes at a time. O(n).
    public static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = bytes.count
        guard let p = bytes.baseAddress else { return nil }
        var i = 0
        while i < n {
            if i + 8 <= n, UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let b0 = p[i]
            if b0 < 0x80 { i += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return i
            }
            guard i + length <= n else { return i }
            let b1 = p[i + 1]
            if b1 < lower || b1 > upper { return i }
            for k in 2..<max(2, length) where p[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }

    /// `bytes` with each maximal invalid subsequence replaced by U+FFFD (the Unicode-recommended
    /// practice, as Python's `errors="replace"` and Swift's `String(decoding:)` do), and how many
    /// replacements were made.
    public static func repair(_ bytes: [UInt8]) -> (bytes: [UInt8], replacements: Int) {
        let valid = bytes.withUnsafeBufferPointer { firstInvalidOffset($0) }
        guard valid != nil else { return (bytes, 0) }
        var replacements = 0
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): UTF8.encode(scalar) { out.append($0) }
            case .error: replacements += 1; out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            case .emptyInput: break loop
            }
        }
        return (out, replacements)
    }
}
