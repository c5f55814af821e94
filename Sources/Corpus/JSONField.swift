/// Reads one string field of a JSON object held in bytes (one JSON Lines record) without building
/// the object.
///
/// Why not `JSONSerialization`: it builds every record as a dictionary of bridged strings and
/// then converts the text back to UTF-8, at ~50 MB/s — 8× the time of reading the same text as
/// plain files (BENCHMARKS.md, Trainer). A JSONL corpus is text with a thin wrapper, so this
/// scans the record once: the wanted field's string is decoded straight into UTF-8 bytes, every
/// other value is checked against the JSON grammar and skipped. Complexity O(record length),
/// memory the decoded string plus the field names (for the error message).
///
/// Semantics follow RFC 8259 as `json.loads` applies it: the record must be exactly one object
/// (whitespace around it allowed); raw control characters inside strings are errors; when a key
/// repeats, its last value counts. Two leniencies, both for real web text: a `\u` escape naming
/// a lone surrogate decodes to U+FFFD, and bytes ≥ 0x80 inside strings are passed through as they
/// are, so invalid UTF-8 reaches the cleaning step that repairs and counts it instead of
/// failing the whole record.
public enum JSONField {
    public enum Failure: Error, Equatable, Sendable {
        /// Not JSON: what was expected at which byte offset of the record.
        case malformed(offset: Int, expected: String)
        /// Valid JSON whose top level is not an object (`kind` is "array", "string", …).
        case notAnObject(kind: String)
        /// An object without the field, or with a non-string value for it (`found` names its
        /// kind, nil when absent); `fields` are the keys present, sorted.
        case missingString(found: String?, fields: [String])
    }

    /// The decoded UTF-8 bytes of `record[field]`.
    public static func string(_ field: String, in record: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], Failure> {
        var scanner = Scanner(bytes: record)
        return Result { try scanner.objectField(Array(field.utf8)) }.mapError { $0 as! Failure }
    }

    public static func string(_ field: String, in record: [UInt8]) -> Result<[UInt8], Failure> {
        record.withUnsafeBufferPointer { string(field, in: $0) }
    }

    /// Nesting deeper than this is refused (as a malformed record) rather than risked.
    static let maximumDepth = 512

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ expected: String) -> Failure { .malformed(offset: i, expected: expected) }

        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func skipWhitespace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws {
            guard peek == byte else { throw fail(what) }
            i += 1
        }

        mutating func objectField(_ field: [UInt8]) throws -> [UInt8] {
            skipWhitespace()
            guard let first = peek else { throw fail("a JSON object") }
            guard first == UInt8(ascii: "{") else {
                let kind = Self.kind(of: first)
                try skipValue(depth: 0)
                try end()
                throw Failure.notAnObject(kind: kind)
            }
            var found: [UInt8]?, foundKind: String?
            var keys: [Range<Int>] = []  // raw key bytes, decoded only for an error message
            if opensNonEmpty(UInt8(ascii: "}")) {
                repeat {
                    skipWhitespace()
                    guard peek == UInt8(ascii: "\"") else { throw fail("a string key") }
                    let start = i
                    let isField = try keyMatches(field)
                    keys.append(start..<i)
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"), "':' after a key")
                    skipWhitespace()
                    if isField {
                        if peek == UInt8(ascii: "\"") {
                            found = try decodeString(); foundKind = nil
                        } else {
                            foundKind = peek.map(Self.kind) ?? "nothing"; found = nil
                            try skipValue(depth: 1)
                        }
                    } else {
                        try skipValue(depth: 1)
                    }
                } while try another(UInt8(ascii: "}"))
            }
            try end()
            if let found { return found }
            let names = try Set(keys.map { range -> String in
                var key = Scanner(bytes: bytes)
                key.i = range.lowerBound
                return String(decoding: try key.decodeString(), as: UTF8.self)
            }).sorted()
            throw Failure.missingString(found: foundKind, fields: names)
        }

        /// Reads the key string at `i` and tells whether it is `field`, without allocating when
        /// the key has no escapes (the usual case).
        mutating func keyMatches(_ field: [UInt8]) throws -> Bool {
            let start = i + 1
            try skipString()
            let raw = UnsafeBufferPointer(rebasing: bytes[start..<(i - 1)])
            if !raw.contains(UInt8(ascii: "\\")) { return raw.elementsEqual(field) }
            var key = Scanner(bytes: bytes)
            key.i = start - 1
            return try key.decodeString() == field
        }

        /// At an opening bracket: steps in and tells whether a member or element follows (false
        /// when `close` comes first, which is then consumed).
        mutating func opensNonEmpty(_ close: UInt8) -> Bool {
            i += 1
            skipWhitespace()
            if peek == close { i += 1; return false }
            return true
        }

        /// After a member or element: true at ',' (another follows), false at `close` (the
        /// container ends there).
        mutating func another(_ close: UInt8) throws -> Bool {
            skipWhitespace()
            if peek == UInt8(ascii: ",") { i += 1; return true }
            try expect(close, "',' or '\(Character(Unicode.Scalar(close)))' after a value")
            return false
        }

        /// Only whitespace may follow the top-level value.
        mutating func end() throws {
            skipWhitespace()
            if i < bytes.count { throw fail("the end of the record after its value") }
        }

        static func kind(of first: UInt8) -> String {
            switch first {
            case UInt8(ascii: "{"): return "an object"
            case UInt8(ascii: "["): return "an array"
            case UInt8(ascii: "\""): return "a string"
            case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
            case UInt8(ascii: "n"): return "null"
            default: return "a number"
            }
        }

        mutating func skipValue(depth: Int) throws {
            guard depth < JSONField.maximumDepth else { throw fail("nesting at most \(JSONField.maximumDepth) deep") }
            guard let c = peek else { throw fail("a value") }
            switch c {
            case UInt8(ascii: "\""):
                try skipString()
            case UInt8(ascii: "{"):
                guard opensNonEmpty(UInt8(ascii: "}")) else { return }
                repeat {
                    skipWhitespace()
                    guard peek == UInt8(ascii: "\"") else { throw fail("a string key") }
                    try skipString()
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"), "':' after a key")
                    skipWhitespace()
                    try skipValue(depth: depth + 1)
                } while try another(UInt8(ascii: "}"))
            case UInt8(ascii: "["):
                guard opensNonEmpty(UInt8(ascii: "]")) else { return }
                repeat {
                    skipWhitespace()
                    try skipValue(depth: depth + 1)
                } while try another(UInt8(ascii: "]"))
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: try skipNumber()
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            guard i + n <= bytes.count, (0..<n).allSatisfy({ bytes[i + $0] == word.utf8Start[$0] }) else {
                throw fail("a value")
            }
            i += n
        }

        /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func skipNumber() throws {
            func digits(_ s: inout Scanner) -> Int {
                let start = s.i
                while let d = s.peek, d >= 0x30, d <= 0x39 { s.i += 1 }
                return s.i - start
            }
            if peek == UInt8(ascii: "-") { i += 1 }
            if peek == UInt8(ascii: "0") { i += 1 } else if digits(&self) == 0 { throw fail("a value") }
            if peek == UInt8(ascii: ".") {
                i += 1
                if digits(&self) == 0 { throw fail("digits after '.'") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                i += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
                if digits(&self) == 0 { throw fail("exponent digits") }
            }
        }

        mutating func skipString() throws {
            i += 1  // the opening quote
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; return }
                if c < 0x20 { throw fail("an escaped control character inside a string") }
                if c == UInt8(ascii: "\\") {
                    i += 1
                    guard let e = peek else { break }
                    if e == UInt8(ascii: "u") {
                        _ = try hex4()
                    } else {
                        guard Self.simpleEscape(e) != nil else { throw fail("a valid escape after '\\'") }
                        i += 1
                    }
                    continue
                }
                i += 1
            }
            throw fail("'\"' closing the string")
        }

        /// The string at `i` (which is its opening quote), unescaped, as UTF-8 bytes.
        mutating func decodeString() throws -> [UInt8] {
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                // Copy the run up to the next quote, backslash or control character in one go.
                let start = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
                if i > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i])) }
                guard i < bytes.count else { break }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; return out }
                if c < 0x20 { throw fail("an escaped control character inside a string") }
                i += 1  // backslash
                guard let e = peek else { break }
                if e == UInt8(ascii: "u") {
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate: a low one must follow for a valid pair.
                        if i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                            let save = i
                            i += 1
                            let low = try hex4()
                            if (0xDC00..<0xE000).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                i = save
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        scalar = 0xFFFD
                    }
                    // Always a valid scalar: lone surrogates became U+FFFD above.
                    UTF8.encode(Unicode.Scalar(scalar)!) { out.append($0) }
                } else {
                    guard let byte = Self.simpleEscape(e) else { throw fail("a valid escape after '\\'") }
                    out.append(byte)
                    i += 1
                }
            }
            throw fail("'\"' closing the string")
        }

        /// At `i` = the `u` of `\uXXXX`: the four hex digits' value; `i` moves past them.
        mutating func hex4() throws -> UInt32 {
            guard i + 5 <= bytes.count else { throw fail("four hex digits after \\u") }
            var value: UInt32 = 0
            for k in 1...4 {
                let h = bytes[i + k]
                let d: UInt8
                switch h {
                case 0x30...0x39: d = h - 0x30
                case 0x41...0x46: d = h - 0x41 + 10
                case 0x61...0x66: d = h - 0x61 + 10
                default: i += k; throw fail("four hex digits after \\u")
                }
                value = value << 4 | UInt32(d)
            }
            i += 5
            return value
        }

        static func simpleEscape(_ e: UInt8) -> UInt8? {
            switch e {
            case UInt8(ascii: "\""): return 0x22
            case UInt8(ascii: "\\"): return 0x5C
            case UInt8(ascii: "/"): return 0x2F
            case UInt8(ascii: "b"): return 0x08
            case UInt8(ascii: "f"): return 0x0C
            case UInt8(ascii: "n"): return 0x0A
            case UInt8(ascii: "r"): return 0x0D
            case UInt8(ascii: "t"): return 0x09
            default: return nil
            }
        }
    }
}

extension JSONField.Failure {
    /// The record's problem in the words of the readers' messages ("expected …, found …").
    public func message(field: String) -> String {
        switch self {
        case .malformed(let offset, let expected):
            return "expected a JSON object, found malformed JSON (expected \(expected) at byte \(offset + 1) of the line)"
        case .notAnObject(let kind):
            return "expected a JSON object, found \(kind)"
        case .missingString(let found, let fields):
            let what = found.map { "\"\(field)\" holds \($0)" } ?? "no field \"\(field)\""
            return "expected a string field \"\(field)\" (choose another with --text-field), found \(what); fields present: \(fields.joined(separator: ", "))"
        }
    }
}
