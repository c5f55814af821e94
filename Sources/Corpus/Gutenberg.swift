/// Project Gutenberg boilerplate removal.
public enum Gutenberg {
    /// The text between the `*** START OF THE/THIS PROJECT GUTENBERG EBOOK ... ***` line and the
    /// `*** END OF ...` line, when both markers are present (the licence after the end marker and
    /// the header before the start marker are dropped); otherwise the input unchanged.
    public static func strip(_ bytes: [UInt8]) -> [UInt8] {
        guard let start = markerLine(in: bytes, word: "START", from: 0) else { return bytes }
        guard let end = markerLine(in: bytes, word: "END", from: start.upperBound) else { return bytes }
        return Array(bytes[start.upperBound..<end.lowerBound])
    }

    /// The byte range of the first line at or after `from` that starts with `*** START OF` (or
    /// `*END*`/`*** END OF`) and mentions PROJECT GUTENBERG, including its line feed.
    static func markerLine(in bytes: [UInt8], word: String, from: Int) -> Range<Int>? {
        let prefixes = ["*** \(word) OF", "***\(word) OF", "*\(word)*"].map { Array($0.utf8) }
        var lineStart = from
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
            let line = bytes[lineStart..<lineEnd]
            if prefixes.contains(where: { line.starts(with: $0) }) {
                let upper = String(decoding: line, as: UTF8.self).uppercased()
                if upper.contains("PROJECT GUTENBERG") { return lineStart..<min(bytes.count, lineEnd + 1) }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }
}
