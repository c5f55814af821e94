/// Why text could not be normalized, written for the person who has to fix the input: what was
/// expected, what was found and where (byte offset in the input), and what to do.
public struct NormalizerError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// A byte that cannot appear where it is in UTF-8.
        case invalidUTF8
        /// The input ends inside a multi-byte UTF-8 sequence.
        case truncatedUTF8
    }

    public let kind: Kind
    /// Offset of the first byte of the offending sequence, counted from the start of the input.
    public let byteOffset: Int
    /// The offending bytes (the maximal ill-formed subsequence, plus the byte that broke it).
    public let bytes: [UInt8]
    public let description: String

    init(kind: Kind, byteOffset: Int, bytes: [UInt8], expected: String) {
        self.kind = kind
        self.byteOffset = byteOffset
        self.bytes = bytes
        let found = bytes.map { "0x" + String($0, radix: 16, uppercase: true).leftPadded(2) }.joined(separator: " ")
        var hint = "re-run with --lossy (UTF8Policy.repair) to replace invalid sequences with U+FFFD, or with --fallback-encoding cp1252 (or latin1) if the file is in an 8-bit legacy encoding"
        if byteOffset == 0, bytes.first == 0xFF || bytes.first == 0xFE {
            hint = "the input starts like a UTF-16 byte-order mark: convert it first (iconv -f UTF-16 -t UTF-8)"
        }
        switch kind {
        case .invalidUTF8:
            description = "invalid UTF-8 at byte offset \(byteOffset): expected \(expected), found \(found); \(hint)"
        case .truncatedUTF8:
            description = "input ends inside a UTF-8 sequence starting at byte offset \(byteOffset): expected \(expected), found only \(found) before the end; the file may be truncated; \(hint)"
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
