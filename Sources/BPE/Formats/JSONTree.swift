import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// A parsed JSON document, for the tokenizer files (`tokenizer.json`, `vocab.json`).
///
/// Why not `JSONSerialization`: loading cl100k's 100k-token `tokenizer.json` took 1.0–1.1 s of
/// CPU through it (bridged `NSString`s and `NSNumber`s for 200k values, then converted again),
/// against 0.11–0.18 s for the same ranks as `.tiktoken` (issue 17). This parser reads the
/// bytes once into Swift values: strings as `String` (most tokens are small strings, stored
/// inline), integers as `Int`, objects as ordered key/value arrays (no hashing; the few lookups
/// are in objects of a handful of keys; the vocabulary object is only iterated).
///
/// Grammar: RFC 8259, as strict as Python's `json.loads` with the defaults: exactly one value
/// with whitespace around it; raw control characters in strings, lone surrogate escapes, invalid
/// UTF-8, leading zeros, trailing commas and comments are errors; when a key repeats, the last
/// value wins (`subscript`). Nesting deeper than `maximumDepth` is refused, so hostile input
/// cannot exhaust the stack. Complexity: O(n) time; memory the tree.
enum JSONTree: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits an `Int`.
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONTree])
    case object(Object)

    struct Object: Equatable, Sendable {
        var keys: [String] = []
        var values: [JSONTree] = []
        var count: Int { keys.count }
        /// The value of the last member named `key` (as `json.loads` keeps the last one).
        subscript(key: String) -> JSONTree? {
            guard let i = keys.lastIndex(of: key) else { return nil }
            return values[i]
        }
    }

    /// Where parsing stopped and what was expected there.
    struct SyntaxError: Error, Equatable {
        let offset: Int
        let expected: String
    }

    static let maximumDepth = 512

    static func parse(_ bytes: [UInt8]) throws -> JSONTree {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            parser.skipWhitespace()
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.i == buffer.count else { throw parser.fail("the end of the document after its one value") }
            return value
        }
    }

    /// The kind of value, for messages ("expected an object, found an array").
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    var isNull: Bool { self == .null }
    var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var objectValue: Object? { if case .object(let o) = self { return o } else { return nil } }
    var arrayValue: [JSONTree]? { if case .array(let a) = self { return a } else { return nil } }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        /// Reused for strings with escapes or non-ASCII bytes.
        var scratch: [UInt8] = []

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ expected: String) -> SyntaxError { SyntaxError(offset: i, expected: expected) }

        mutating func skipWhitespace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws -> JSONTree {
            guard depth < JSONTree.maximumDepth else { throw fail("at most \(JSONTree.maximumDepth) levels of nesting") }
            guard i < bytes.count else { throw fail("a value") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var object = Object()
                skipWhitespace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(object) }
                while true {
                    skipWhitespace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("a member name in double quotes") }
                    object.keys.append(try string())
                    skipWhitespace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("':' after a member name") }
                    i += 1
                    skipWhitespace()
                    object.values.append(try value(depth: depth + 1))
                    skipWhitespace()
                    guard i < bytes.count else { throw fail("',' or '}'") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "}") else { throw fail("',' or '}'") }
                    i += 1
                    return .object(object)
                }
            case UInt8(ascii: "["):
                i += 1
                var array: [JSONTree] = []
                skipWhitespace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(array) }
                while true {
                    skipWhitespace()
                    array.append(try value(depth: depth + 1))
                    skipWhitespace()
                    guard i < bytes.count else { throw fail("',' or ']'") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "]") else { throw fail("',' or ']'") }
                    i += 1
                    return .array(array)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true"); return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false"); return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try number()
            default:
                throw fail("a value (object, array, string, number, true, false or null)")
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            guard bytes.count - i >= n, memcmp(bytes.baseAddress! + i, word.utf8Start, n) == 0 else { throw fail("\(word)") }
            i += n
        }

        mutating func number() throws -> JSONTree {
            let start = i
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw fail("a digit") }
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
                if i < bytes.count, isDigit(bytes[i]) { throw fail("no leading zero") }
            } else {
                while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            }
            var integral = true
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                integral = false
                i += 1
                guard i < bytes.count, isDigit(bytes[i]) else { throw fail("a digit after '.'") }
                while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                integral = false
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard i < bytes.count, isDigit(bytes[i]) else { throw fail("a digit in the exponent") }
                while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            }
            // Integers of up to 18 digits (every id) without a String: 100k of them in a vocabulary.
            if integral, i - start <= 18 {
                var value = 0
                for k in (bytes[start] == UInt8(ascii: "-") ? start + 1 : start)..<i { value = value &* 10 &+ Int(bytes[k] &- UInt8(ascii: "0")) }
                return .int(bytes[start] == UInt8(ascii: "-") ? -value : value)
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            if integral, let value = Int(text) { return .int(value) }
            guard let value = Double(text) else { throw SyntaxError(offset: start, expected: "a number") }
            return .double(value)
        }

        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

        /// A string starting at the opening quote; validates the UTF-8 inside it.
        ///
        /// Why runs: a byte-level vocabulary is mostly non-ASCII characters ("Ġ" is 2 bytes), and
        /// validating them one character at a time, each through a 4-byte window, was most of the
        /// parse. Now each run between escapes is scanned, then validated with one call.
        mutating func string() throws -> String {
            i += 1
            var start = i
            var escaped = false
            while true {
                // A run of bytes that stand for themselves: not '"', '\\' or a control character.
                var high: UInt8 = 0
                while i < bytes.count, bytes[i] >= 0x20, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") {
                    high |= bytes[i]; i += 1
                }
                let run = UnsafeBufferPointer(rebasing: bytes[start..<i])
                if high >= 0x80, let bad = UTF8Validation.firstInvalidOffset(run) {
                    i = start + bad
                    throw fail("valid UTF-8")
                }
                if !escaped, i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: run, as: UTF8.self)
                }
                if !escaped { scratch.removeAll(keepingCapacity: true); escaped = true }
                scratch.append(contentsOf: run)
                guard i < bytes.count else { throw fail("'\"' closing the string") }
                let b = bytes[i]
                switch b {
                case UInt8(ascii: "\""):
                    i += 1
                    return String(decoding: scratch, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    i += 1
                    guard i < bytes.count else { throw fail("an escape after '\\'") }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(e)
                    case UInt8(ascii: "b"): scratch.append(0x08)
                    case UInt8(ascii: "f"): scratch.append(0x0C)
                    case UInt8(ascii: "n"): scratch.append(0x0A)
                    case UInt8(ascii: "r"): scratch.append(0x0D)
                    case UInt8(ascii: "t"): scratch.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if scalar >= 0xD800 && scalar < 0xDC00 {
                            guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                                throw fail("a low surrogate escape after a high surrogate")
                            }
                            i += 2
                            let low = try hex4()
                            guard low >= 0xDC00 && low < 0xE000 else { throw fail("a low surrogate (\\uDC00-\\uDFFF)") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if scalar >= 0xDC00 && scalar < 0xE000 {
                            throw fail("no lone low surrogate")
                        }
                        scratch.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                    default:
                        i -= 1
                        throw fail("one of the escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
                    }
                default:
                    throw fail("no raw control character inside a string (escape it)")
                }
                start = i
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard bytes.count - i >= 4 else { throw fail("four hex digits after \\u") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw fail("four hex digits after \\u")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }
    }
}
