import ICUShim
import TokenmillSupport

/// Full lowercasing in the root locale (ICU `u_strToLower`, the same mappings as Rust's
/// `str::to_lowercase` that HF tokenizers' `Lowercase` uses), final sigma included.
///
/// Text is split into words at ASCII bytes that are neither cased nor case-ignorable (space,
/// digits, most punctuation, controls). Final-sigma context never reaches across such a byte,
/// so each word can be lowercased alone: words whose non-ASCII code points are all
/// lowercase-stable are lowercased here byte by byte (A–Z only); the others go to ICU.
enum Lowercaser {
    /// Whether an ASCII byte ends a word: not a letter, and not one of the case-ignorable
    /// ASCII characters `'` `.` `:` `^` `` ` `` (Word_Break MidLetter/MidNumLet/Single_Quote, Sk).
    static let separators: [Bool] = (0..<256).map { b in
        guard b < 0x80 else { return false }
        let c = UInt8(b)
        if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { return false }
        return ![0x27, 0x2E, 0x3A, 0x5E, 0x60].contains(c)
    }

    /// Appends the lowercase of `input` (valid UTF-8) and returns how many characters changed.
    /// O(n): ASCII is checked eight bytes at a time; word bounds are only looked for around a
    /// code point that lowercasing changes.
    static func append(_ input: UnsafeBufferPointer<UInt8>, to output: inout [UInt8], buffers: inout ICUBuffers) -> Int {
        guard let base = input.baseAddress else { return 0 }
        let n = input.count
        var changed = 0
        var copyFrom = 0  // [copyFrom, i) needs only ASCII lowercasing
        let stable = NormalizationTables.lowercaseStable
        var i = 0
        separators.withUnsafeBufferPointer { isSeparator in
            while i < n {
                if i &+ 8 <= n && UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i &+= 8
                    continue
                }
                if input[i] < 0x80 { i &+= 1; continue }
                let (scalar, length) = ValidUTF8.decodeClamped(input, at: i)
                if stable.contains(scalar) { i &+= length; continue }
                // The word around it, between separators, goes to ICU.
                var start = i
                while start > copyFrom && !isSeparator[Int(input[start &- 1])] { start &-= 1 }
                var end = i &+ length
                while end < n && !isSeparator[Int(input[end])] { end &+= 1 }
                changed &+= appendLoweringASCII(UnsafeBufferPointer(rebasing: input[copyFrom..<start]), to: &output)
                let word = UnsafeBufferPointer(rebasing: input[start..<end])
                changed &+= buffers.transform(word, appendingTo: &output) { tm_to_lower($0, $1, $2, $3, $4) }
                copyFrom = end
                i = end
            }
        }
        changed &+= appendLoweringASCII(UnsafeBufferPointer(rebasing: input[copyFrom..<n]), to: &output)
        return changed
    }

    /// Appends `bytes` with A–Z lowercased (other bytes, including every byte of a multi-byte
    /// sequence, are ≥ 0x80 or not letters and stay). Returns how many letters changed. O(n).
    @inline(__always)
    static func appendLoweringASCII(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) -> Int {
        guard !bytes.isEmpty else { return 0 }
        let start = output.count
        output.append(contentsOf: bytes)
        var changed = 0
        output.withUnsafeMutableBufferPointer { out in
            for k in start..<out.count {
                let b = out[k]
                let upper = b &- 0x41 < 26
                out[k] = upper ? b | 0x20 : b
                changed &+= upper ? 1 : 0
            }
        }
        return changed
    }
}
