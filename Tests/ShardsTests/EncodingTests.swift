import Foundation
import TestSupport
import Testing

/// Text that is not UTF-8 (issue 16, item 1): UTF-16 with a byte-order mark is decoded; legacy
/// encodings are decoded with `--fallback-encoding` (a charset, or `auto` for ICU's detector) or
/// else dropped as `too_many_replacements`, counted and named, never written as runs of U+FFFD;
/// the 8-bit fallback of `normalize` refuses text that is clearly in another script's encoding.
/// The legacy copies are made by the test from real text in Fixtures/ with iconv.
@Suite(.serialized) struct EncodingTests {
    /// (fixture, iconv charset) pairs: Chinese in GB2312, Russian in KOI8-R, Japanese in EUC-JP.
    static let legacy = [("multilingual/fortunes-zh-tang300.txt", "GB2312"), ("multilingual/ru-fortunes.excerpt.txt", "KOI8-R"),
                         ("multilingual/ja-debian-reference.excerpt.txt", "EUC-JP")]

    static func iconv(_ input: String, from: String, to: String, output: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        p.arguments = ["-c", "-f", from, "-t", to, input]   // -c: drop what the charset cannot encode
        let out = FileManager.default.createFile(atPath: output, contents: nil) ? FileHandle(forWritingAtPath: output) : nil
        p.standardOutput = out
        try p.run(); p.waitUntilExit()
        try out?.close()
    }

    /// Writes each fixture in its legacy charset into `legacyDir`, and the same text brought
    /// back to UTF-8 into `utf8Dir` (what a correct decoder must give).
    static func makeLegacyCopies(_ dir: String) throws -> (legacy: String, utf8: String) {
        let legacyDir = dir + "/legacy", utf8Dir = dir + "/utf8"
        for d in [legacyDir, utf8Dir] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        for (path, charset) in legacy {
            let name = (path as NSString).lastPathComponent
            try iconv(CLI.fixtures + "/corpus/" + path, from: "UTF-8", to: charset, output: legacyDir + "/" + name)
            try iconv(legacyDir + "/" + name, from: charset, to: "UTF-8", output: utf8Dir + "/" + name)
            #expect((try Data(contentsOf: URL(fileURLWithPath: utf8Dir + "/" + name))).count > 10_000, "\(name)")
        }
        return (legacyDir, utf8Dir)
    }

    static func manifest(_ dir: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as! [String: Any]
    }

    @Test func utf16WithAByteOrderMarkIsDecodedNotRepaired() throws {
        let dir = try CLI.temporaryDirectory("utf16")
        let utf8 = dir + "/utf8", le = dir + "/le", be = dir + "/be"
        for d in [utf8, le, be] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        for path in ["multilingual/ru-fortunes.excerpt.txt", "multilingual/fortunes-zh-song100.txt", "books/jargon-file.excerpt.txt"] {
            let name = (path as NSString).lastPathComponent
            let text = try String(contentsOfFile: CLI.fixtures + "/corpus/" + path, encoding: .utf8)
            try Data(text.utf8).write(to: URL(fileURLWithPath: utf8 + "/" + name))
            try (Data([0xFF, 0xFE]) + text.data(using: .utf16LittleEndian)!).write(to: URL(fileURLWithPath: le + "/" + name))
            try (Data([0xFE, 0xFF]) + text.data(using: .utf16BigEndian)!).write(to: URL(fileURLWithPath: be + "/" + name))
        }
        let reference = try CLI.run(["shard", utf8, "-o", dir + "/s-utf8", "--quiet"])
        #expect(reference.status == 0, "\(reference.stderr)")
        let referenceIDs = try CLI.run(["cat", dir + "/s-utf8", "--ids"]).stdout
        for (d, charset) in [(le, "UTF-16LE"), (be, "UTF-16BE")] {
            let out = dir + "/s-" + charset
            let r = try CLI.run(["shard", d, "-o", out, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.text.contains("decoded: 3 documents from \(charset)"), "\(r.text)")
            #expect(try CLI.run(["cat", out, "--ids"]).stdout == referenceIDs, "\(charset): not the same documents as the UTF-8 text")
            let repairs = try #require(try Self.manifest(out)["repairs"] as? [String: Any])
            #expect((repairs["decoded"] as? [String: Int]) == [charset: 3])
            #expect(repairs["utf8_replacements"] as? Int == 0)
        }
    }

    @Test func legacyEncodingsAreDroppedAndCountedByDefaultAndDecodedWithFallbackAuto() throws {
        let dir = try CLI.temporaryDirectory("legacy")
        let (legacy, utf8) = try Self.makeLegacyCopies(dir)
        // Default: repaired UTF-8 would be mostly U+FFFD, so each document is dropped, counted
        // under its own reason, and the warning says what to do with shard's own flags.
        let r = try CLI.run(["shard", legacy, "-o", dir + "/default", "--json", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        #expect((summary["dropped"] as? [String: Int])?["too_many_replacements"] == 3, "\(r.text)")
        #expect(summary["documents_kept"] as? Int == 0)
        for (path, _) in Self.legacy { #expect(r.stderr.contains((path as NSString).lastPathComponent), "\(r.stderr)") }
        #expect(r.stderr.contains("--fallback-encoding auto") && r.stderr.contains("--max-replacement-ratio"), "\(r.stderr)")
        #expect(!r.stderr.contains("--lossy"), "the hint names flags shard does not have: \(r.stderr)")
        // --strict stops at the first such document, naming it.
        let strict = try CLI.run(["shard", legacy, "-o", dir + "/strict", "--strict", "--quiet"])
        #expect(strict.status != 0 && strict.stderr.contains("U+FFFD") && strict.stderr.contains("--fallback-encoding"), "\(strict.stderr)")
        // auto: ICU's detector names each charset; the documents are the UTF-8 text's.
        let auto = try CLI.run(["shard", legacy, "-o", dir + "/auto", "--fallback-encoding", "auto", "--quiet"])
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(try CLI.run(["shard", utf8, "-o", dir + "/utf8-shards", "--quiet"]).status == 0)
        // Document by document (sorted names: zh, ja, ru). ICU and glibc's iconv map two codes
        // differently: EUC-JP 0xA1C1 (ICU U+FF5E FULLWIDTH TILDE, glibc U+301C WAVE DASH) and
        // GB2312 0xA1A4 (ICU's GB18030 U+00B7 MIDDLE DOT, glibc U+30FB KATAKANA MIDDLE DOT); the
        // decoded text is compared with those two swapped to glibc's.
        for doc in 0..<3 {
            let decoded = try CLI.run(["cat", dir + "/auto", "--doc", "\(doc)"]).text
            let reference = try CLI.run(["cat", dir + "/utf8-shards", "--doc", "\(doc)"]).text
            #expect(decoded.count > 10_000 && !decoded.contains("\u{FFFD}"), "document \(doc)")
            let glibc = decoded.replacingOccurrences(of: "\u{FF5E}", with: "\u{301C}").replacingOccurrences(of: "\u{00B7}", with: "\u{30FB}")
            #expect(glibc == reference, "document \(doc) differs from the UTF-8 text")
        }
        let decoded = try #require((try Self.manifest(dir + "/auto")["repairs"] as? [String: Any])?["decoded"] as? [String: Int])
        #expect(decoded.values.reduce(0, +) == 3 && Set(decoded.keys) == ["GB18030", "KOI8-R", "EUC-JP"], "\(decoded)")
        // A named charset decodes too (GB18030 is a superset of GB2312).
        let named = try CLI.run(["shard", legacy + "/fortunes-zh-tang300.txt", "-o", dir + "/named", "--fallback-encoding", "GB18030", "--json", "--quiet"])
        #expect(named.status == 0 && named.text.contains("\"documents_kept\":1"), "\(named.text) \(named.stderr)")
    }

    /// `normalize --fallback-encoding cp1252` decodes real cp1252 text, but refuses GB2312 (or
    /// KOI8-R) instead of turning it into Latin mojibake.
    @Test func eightBitFallbackRefusesOtherScriptsEncodings() throws {
        let dir = try CLI.temporaryDirectory("fallback")
        let (legacy, _) = try Self.makeLegacyCopies(dir)
        for name in ["fortunes-zh-tang300.txt", "ru-fortunes.excerpt.txt"] {
            let r = try CLI.run(["normalize", "--fallback-encoding", "cp1252", legacy + "/" + name, "-o", dir + "/out.txt"])
            #expect(r.status != 0 && r.stderr.contains("iconv -f"), "\(name): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.txt"))
        }
        let german = dir + "/de.cp1252.txt", back = dir + "/de.txt"
        try Self.iconv(CLI.fixtures + "/corpus/multilingual/de-fortunes.excerpt.txt", from: "UTF-8", to: "CP1252", output: german)
        try Self.iconv(german, from: "CP1252", to: "UTF-8", output: back)
        let ok = try CLI.run(["normalize", "--form", "nfc", "--fallback-encoding", "cp1252", german])
        #expect(ok.status == 0, "\(ok.stderr)")
        let expected = try CLI.run(["normalize", "--form", "nfc", back])
        #expect(ok.stdout == expected.stdout && ok.stdout.count > 10_000)
    }
}
