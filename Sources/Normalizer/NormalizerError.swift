/// Why text could not be normalized, written for the person who has to fix the input: what was
/// expected, what was found and where (byte offset in the input), and what to do.
public struct NormalizerError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// A byte that cannot appear where it is in UTF-8.
        case invalidUTF8
        /// The input ends inside a multi-byte UTF-8 sequence.
        case truncatedUTF8
        /// The input is in an encoding this pipeline will not decode (e.g. GB2312 where an 8-bit
        /// fallback was asked for), or one ICU has no converter for.
        case unsupportedEncoding
    }

    public let kind: Kind
    /// Offset of the first byte of the offending sequence, counted from the start of the input.
    public let byteOffset: Int
    /// The offending bytes (the maximal ill-formed subsequence, plus the byte that broke it).
    public let bytes: [UInt8]
    /// What is wrong and where, without the advice: for callers that give their own (a command
    /// whose flags differ from `normalize`'s).
    public let problem: String
    /// What to do, in `normalize`'s flags.
    public let hint: String
    public var description: String { problem + "; " + hint }

    init(kind: Kind, byteOffset: Int, bytes: [UInt8], expected: String) {
        self.kind = kind
        self.byteOffset = byteOffset
        self.bytes = bytes
        let found = bytes.map { "0x" + String($0, radix: 16, uppercase: true).leftPadded(2) }.joined(separator: " ")
        var hint = "re-run with --lossy (UTF8Policy.repair) to replace invalid sequences with U+FFFD, or with --fallback-encoding cp1252 (or latin1) if the file is in an 8-bit legacy encoding"
        if byteOffset == 0, bytes.first == 0xFF || bytes.first == 0xFE {
            hint = "the input starts like a UTF-16 byte-order mark: convert it first (iconv -f UTF-16 -t UTF-8)"
        }
        self.hint = hint
        switch kind {
        case .invalidUTF8, .unsupportedEncoding:
            problem = "invalid UTF-8 at byte offset \(byteOffset): expected \(expected), found \(found)"
        case .truncatedUTF8:
            problem = "input ends inside a UTF-8 sequence starting at byte offset \(byteOffset): expected \(expected), found only \(found) before the end; the file may be truncated"
        }
    }

    /// The input is in `encoding` (ICU's name), which is not decoded here.
    init(unsupportedEncoding encoding: String, reason: String,
         hint: String? = nil) {
        kind = .unsupportedEncoding
        byteOffset = 0
        bytes = []
        problem = "the input is in \(encoding): \(reason)"
        self.hint = hint ?? "convert it to UTF-8 first (iconv -f \(encoding) -t UTF-8)"
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
