import Corpus
import Normalizer
import Testing

/// Unicode's NormalizationTest.txt, from the committed fixture (always runs).
@Suite("NormalizationTest.txt conformance")
struct ConformanceTests {
    struct Case {
        let line: Int
        let columns: [[UInt8]]  // c1…c5 as UTF-8
    }

    static let fixture = TestData.repoRoot() + "/Fixtures/unicode/NormalizationTest.txt.zst"

    /// Parsed once for all tests in the suite.
    static let parsed: (header: String, cases: [Case], part1: Set<UInt32>) = {
        let text = (try? InputFile.read(fixture)) ?? []
        var cases: [Case] = []
        var part1: Set<UInt32> = []
        var inPart1 = false
        var header = ""
        for (index, line) in text.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if index == 0 { header = [UInt8](line).text }
            guard let first = line.first, first != UInt8(ascii: "#") else { continue }
            if first == UInt8(ascii: "@") { inPart1 = line.starts(with: Array("@Part1".utf8)); continue }
            let fields = line.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).prefix(5)
            let columns = fields.map { field -> [UInt8] in
                var utf8: [UInt8] = []
                for hex in field.split(separator: 0x20) {
                    let scalar = Unicode.Scalar(UInt32([UInt8](hex).text, radix: 16)!)!
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
                return utf8
            }
            if inPart1, let scalar = columns[0].text.unicodeScalars.first { part1.insert(scalar.value) }
            cases.append(Case(line: index + 1, columns: columns))
        }
        return (header, cases, part1)
    }()

    @Test("fixture matches ICU's Unicode version")
    func versionMatches() {
        let version = UnicodeNormalizer.unicodeVersion
        #expect(Self.parsed.header.hasPrefix("# NormalizationTest-\(version)"),
                "fixture header '\(Self.parsed.header)' vs ICU Unicode \(version)")
        #expect(Self.parsed.cases.count > 19_000)
    }

    @Test("NFC: c2 == NFC(c1, c2, c3), c4 == NFC(c4, c5), one-shot")
    func nfcOneShot() throws {
        let nfc = UnicodeNormalizer(form: .nfc)
        let pipeline = NormalizerPipeline.formOnly(.nfc)
        var failures: [Int] = []
        for c in Self.parsed.cases {
            let col = c.columns
            let ok = try (0...2).allSatisfy { nfc.normalize(col[$0]) == col[1] }
                && (3...4).allSatisfy { nfc.normalize(col[$0]) == col[3] }
                && (pipeline.normalize(col[0]).output) == col[1]
            if !ok { failures.append(c.line) }
        }
        #expect(failures.isEmpty, "NFC fails on lines \(failures.prefix(20))")
    }

    @Test("NFKC: c4 == NFKC(c1…c5), one-shot")
    func nfkcOneShot() throws {
        let nfkc = UnicodeNormalizer(form: .nfkc)
        let pipeline = NormalizerPipeline.formOnly(.nfkc)
        var failures: [Int] = []
        for c in Self.parsed.cases {
            let col = c.columns
            let ok = try (0...4).allSatisfy { nfkc.normalize(col[$0]) == col[3] }
                && (pipeline.normalize(col[0]).output) == col[3]
            if !ok { failures.append(c.line) }
        }
        #expect(failures.isEmpty, "NFKC fails on lines \(failures.prefix(20))")
    }

    /// Every column of every line, joined by LF (a boundary on both sides), streamed in chunks
    /// down to one byte, must give the expected columns joined the same way.
    @Test("NFC and NFKC through the streaming path", arguments: [1, 2, 3, 7, 64, 4096])
    func streaming(chunk: Int) throws {
        let cases = Self.parsed.cases
        let checks: [(NormalizationForm, source: Int, expected: Int)] = [
            (.nfc, 0, 1), (.nfc, 1, 1), (.nfc, 2, 1), (.nfc, 3, 3), (.nfc, 4, 3),
            (.nfkc, 0, 3), (.nfkc, 1, 3), (.nfkc, 2, 3), (.nfkc, 3, 3), (.nfkc, 4, 3),
        ]
        for (form, source, expected) in checks {
            let input = Array(cases.map { $0.columns[source] }.joined(separator: [0x0A]))
            let want = Array(cases.map { $0.columns[expected] }.joined(separator: [0x0A]))
            let got = try streamed(.formOnly(form), input, chunk: chunk)
            if let at = firstDifference(got.output, want) {
                let line = got.output[..<min(at, got.output.count)].filter { $0 == 0x0A }.count
                Issue.record("\(form) of c\(source + 1) streamed in \(chunk)-byte chunks differs at byte \(at), case \(line) (file line \(cases[min(line, cases.count - 1)].line))")
            }
            #expect(got.report.forcedCuts == 0)
        }
    }

    /// Part 1's complement: every code point not listed in c1 of Part 1 is its own NFC and NFKC.
    @Test("unlisted code points are unchanged by NFC and NFKC")
    func unlistedCodePoints() {
        var text: [UInt8] = []
        text.reserveCapacity(5 << 20)
        for value in UInt32(0)...0x10FFFF where !Self.parsed.part1.contains(value) && value != 0x0A {
            guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
            text.append(contentsOf: Array(String(Character(scalar)).utf8))
            text.append(0x0A)
        }
        for form in [NormalizationForm.nfc, .nfkc] {
            let output = UnicodeNormalizer(form: form).normalize(text)
            #expect(firstDifference(output, text) == nil, "\(form) changes an unlisted code point near byte \(firstDifference(output, text) ?? -1)")
        }
    }
}
