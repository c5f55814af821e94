#if canImport(Glibc)
import Glibc
import TokenmillSupport
#endif

/// Optional last stage: removes trailing horizontal whitespace at the end of each line and of
/// the text, and collapses runs of blank lines to one blank line.
///
/// Horizontal whitespace is tab, space and the Zs spaces that survive NFC (U+00A0, U+1680,
/// U+2000–U+200A, U+202F, U+205F, U+3000). Works line by line: `memchr` finds each line feed
/// and only the bytes just before it are looked at, so the cost is close to a copy. A run of
/// whitespace at the end of a chunk is held until the next chunk shows whether it is trailing,
/// so the result does not depend on chunking. Memory: that run.
struct WhitespaceCleaner {
    /// Whitespace from the end of the previous chunk, after its last content.
    private var held: [UInt8] = []
    /// Line feeds since the last content character.
    private var newlines = 0
    var trailingRemoved = 0
    var blankLinesRemoved = 0

    /// O(n).
    mutating func append(_ input: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        guard let base = input.baseAddress else { return }
        let n = input.count
        var lineStart = 0
        while lineStart <= n {
            let remaining = n - lineStart
            let found = remaining > 0 ? memchr(base + lineStart, 0x0A, remaining) : nil
            let lineEnd = found.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) - base } ?? n
            var contentEnd = lineEnd
            while contentEnd > lineStart {
                let length = Self.trailingSpaceLength(input, lineStart: lineStart, end: contentEnd)
                if length == 0 { break }
                contentEnd -= length
            }
            if contentEnd > lineStart {
                // The whitespace held from the previous chunk was inside the line after all.
                if !held.isEmpty { output.append(contentsOf: held); held.removeAll(keepingCapacity: true) }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: input[lineStart..<contentEnd]))
                newlines = 0
            }
            guard found != nil else {
                // No line feed yet: the whitespace at the end may or may not be trailing.
                held.append(contentsOf: UnsafeBufferPointer(rebasing: input[contentEnd..<n]))
                return
            }
            trailingRemoved += (lineEnd - contentEnd) + held.count
            held.removeAll(keepingCapacity: true)
            newlines += 1
            if newlines <= 2 { output.append(0x0A) } else { blankLinesRemoved += 1 }
            lineStart = lineEnd + 1
        }
    }

    /// Drops whitespace at the very end of the text. O(1).
    mutating func finish() {
        trailingRemoved += held.count
        held.removeAll()
    }

    /// Length in bytes of the horizontal space that ends at `end` (0 if the character there is
    /// something else). Looks at no byte before `lineStart`. O(1).
    @inline(__always)
    static func trailingSpaceLength(_ input: UnsafeBufferPointer<UInt8>, lineStart: Int, end: Int) -> Int {
        let last = input[end - 1]
        if last == 0x20 || last == 0x09 { return 1 }
        guard last & 0xC0 == 0x80 else { return 0 }
        if end - 2 >= lineStart && input[end - 2] == 0xC2 { return last == 0xA0 ? 2 : 0 }
        if end - 3 >= lineStart {
            let lead = input[end - 3]
            guard lead == 0xE1 || lead == 0xE2 || lead == 0xE3 else { return 0 }
            let (c, length) = ValidUTF8.decodeClamped(input, at: end - 3)
            return length == 3 && isHorizontalSpace(c) ? 3 : 0
        }
        return 0
    }

    @inline(__always)
    static func isHorizontalSpace(_ c: UInt32) -> Bool {
        c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000
    }
}
