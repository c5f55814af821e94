import BPE
import Corpus
import Foundation
import Testing
import TokenmillSupport

/// The small codecs every module shares (`TokenmillSupport`): one escaping rule for JSON strings,
/// one UTF-8 validator. Checked against independent implementations (Foundation, the standard
/// library's decoder), on every byte value and on the repository's multilingual fixtures.
@Suite struct SharedCodecTests {
    /// What `tokenmill split` printed before `JSONOutput.appendString` (then `JSONString`) replaced its `JSONSerialization` call.
    static func foundationQuoted(_ text: String, escapingSlashes: Bool = false) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: [text], options: escapingSlashes ? [] : [.withoutEscapingSlashes])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    /// Every scalar U+0000…U+00FF alone and inside text: the same bytes as Foundation, so the
    /// `split` command's output did not change (JSONLine had written \b and \f as \u0008, \u000c).
    @Test func jsonStringEscapesEveryByteAsFoundationDoes() throws {
        for v in 0...0xFF {
            let text = String(UnicodeScalar(UInt8(v)))
            #expect(JSONOutput.quoted(text) == (try Self.foundationQuoted(text)), "U+\(String(v, radix: 16))")
            let inside = "a/" + text + "é\"\\"
            #expect(JSONOutput.quoted(inside) == (try Self.foundationQuoted(inside)), "U+\(String(v, radix: 16)) inside text")
            // The styles that keep Foundation's default "\/" (metrics lines' strings wrote it
            // through JSONSerialization before).
            #expect(JSONOutput.quoted(inside, escapingSlashes: true) == (try Self.foundationQuoted(inside, escapingSlashes: true)), "U+\(String(v, radix: 16)) with \\/")
        }
    }

    @Test func jsonStringOfRealMultilingualTextMatchesFoundation() throws {
        let folder = Paths.repo("Fixtures/corpus/multilingual")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names.count >= 3)
        for name in names {
            let text = String(decoding: UTF8Validation.repair(try InputFile.read(folder + "/" + name)).bytes, as: UTF8.self)
            var bytes: [UInt8] = []
            JSONOutput.appendString(text.utf8, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == (try Self.foundationQuoted(text)), "\(name)")
        }
    }

    /// Every 1-, 2- and 3-byte sequence, and every 4-byte sequence whose lead is 0xF0–0xF4 with
    /// continuation bytes at the range edges: valid exactly when the standard library decodes it
    /// without a replacement, and the offset is where a valid prefix stops.
    /// `DecimalText` (token ids as text, Parquet row numbers) against the standard library's
    /// `String(v)`: both sides of every power of ten up to `UInt64.max`, and a million draws of
    /// every magnitude, written back to back as `TokenText` writes them.
    @Test func decimalTextAgreesWithTheStandardLibrary() {
        var values: [UInt64] = [0, UInt64.max, UInt64.max - 1, UInt64(UInt32.max), UInt64(UInt32.max) + 1]
        var power: UInt64 = 1
        for _ in 0..<20 {
            values += [power - 1, power, power + 1]
            if power > UInt64.max / 10 { break }
            power *= 10
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<1_000_000 { values.append(rng.next() >> (rng.next() % 64)) }
        var out: [UInt8] = [], expected: [UInt8] = []
        for v in values {
            DecimalText.append(v, to: &out)
            out.append(0x20)
            expected += Array(String(v).utf8)
            expected.append(0x20)
            #expect(DecimalText.digitCount(v) == String(v).utf8.count)
        }
        #expect(out == expected)
        var row: [UInt8] = []
        DecimalText.append(1_234_567, to: &row)
        #expect(row == Array("1234567".utf8))
    }

    @Test func utf8ValidatorAgreesWithTheStandardLibrary() {
        func stdlibValid(_ bytes: [UInt8]) -> Bool { String(validating: bytes, as: UTF8.self) != nil }
        func check(_ bytes: [UInt8]) {
            let offset = bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) }
            if stdlibValid(bytes) != (offset == nil) {
                Issue.record("\(bytes.map { String($0, radix: 16) }): validator says \(offset.map(String.init) ?? "valid")")
            }
            if let offset, !stdlibValid(Array(bytes[..<offset])) { Issue.record("\(bytes): prefix before \(offset) is invalid") }
        }
        for a in 0...0xFF { check([UInt8(a)]) }
        for a in 0...0xFF { for b in 0...0xFF { check([UInt8(a), UInt8(b)]) } }
        for a in 0xC0...0xFF { for b in 0...0xFF { for c in stride(from: 0, through: 0xFF, by: 3) { check([UInt8(a), UInt8(b), UInt8(c)]) } } }
        let edges: [UInt8] = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
        for a in 0xF0...0xF5 { for b in edges { for c in edges { for d in edges { check([UInt8(a), b, c, d]) } } } }
        // Eight-byte ASCII runs around an invalid byte (the fast path's boundary).
        for at in 0..<20 {
            var bytes = [UInt8](repeating: 0x61, count: 20)
            bytes[at] = 0xFF
            #expect(bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) } == at)
        }
    }
}
