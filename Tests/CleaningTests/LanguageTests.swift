import Cleaning
import Foundation
import Shards
import TestSupport
import Testing

/// Language identification with CLD2 (`--languages`, `--min-language-score`) on the
/// multilingual fixtures (real text: Debian manuals in Arabic, Persian, Vietnamese, Japanese and
/// Chinese, German and Russian fortunes, Greek LibreOffice help, Tang and Song poems).
@Suite(.serialized) struct LanguageIdentification {
    static let directory = "Fixtures/corpus/multilingual"

    /// The language each fixture is written in. hi-freedict is an English–Hindi dictionary (CLD2
    /// gives English 66% of its letters, Hindi 31%, and names Hindi, demoting the English around
    /// it as it does on translated pages); emoji-test is the Unicode consortium's English notes.
    static let expected = [
        "ar-debian-handbook.excerpt.txt": "ar", "de-fortunes.excerpt.txt": "de", "el-libreoffice-help.excerpt.txt": "el",
        "emoji-test.excerpt.txt": "en", "fa-debian-handbook.excerpt.txt": "fa", "fortunes-zh-song100.txt": "zh",
        "fortunes-zh-tang300.txt": "zh", "hi-freedict.excerpt.txt": "hi", "ja-debian-reference.excerpt.txt": "ja",
        "ru-fortunes.excerpt.txt": "ru", "vi-debian-handbook.excerpt.txt": "vi", "zh-debian-reference.excerpt.txt": "zh",
    ]

    @Test func everyMultilingualFixtureIsLabelledWithItsLanguage() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Repository.path(Self.directory)).sorted()
        #expect(Set(names) == Set(Self.expected.keys), "a fixture was added or renamed: give it its expected language")
        for name in names {
            let detection = LanguageIdentifier.detect(Reference.text(Self.directory + "/" + name))
            #expect(detection.language == Self.expected[name], "\(name): \(detection)")
            #expect(detection.score > 0.3 && detection.reliable, "\(name): \(detection)")
        }
    }

    /// The raw fortunes files colour their titles with ANSI escapes (ESC [32m): CLD2 refuses text
    /// that is not interchange-valid and answered "un" with no score until such bytes became
    /// spaces before the call.
    @Test func rawTextWithControlCharactersIsStillIdentified() throws {
        let raw = Array(FileManager.default.contents(atPath: Repository.path(Self.directory + "/fortunes-zh-tang300.txt"))!)
        #expect(raw.contains(0x1B))
        let detection = LanguageIdentifier.detect(raw)
        #expect(detection.language == "zh" && detection.score > 0.8, "\(detection)")   // 0.89
    }

    /// The scalars CLD2 refuses, measured by running it on "a", each of U+0000…U+10FFFF, "b"
    /// (4 minutes: too slow for a test, so the test checks every range's edges and neighbours).
    static let refused: [ClosedRange<UInt32>] = [0x00...0x08, 0x0B...0x0B, 0x0E...0x1F, 0x7F...0x9F, 0xFDD0...0xFDEF]
        + (0...16).map { UInt32($0) << 16 | 0xFFFE...UInt32($0) << 16 | 0xFFFF }

    /// `sanitize` blanks exactly what CLD2 refuses: on each edge of the refused ranges (and the
    /// scalars just outside), CLD2 reads the whole text after it, and a scalar is counted as
    /// blanked only where it lies in a refused range.
    @Test func exactlyTheScalarsCLD2RefusesAreBlankedAndCounted() {
        var probes = Set<UInt32>()
        for r in Self.refused { for c in [r.lowerBound &- 1, r.lowerBound, r.upperBound, r.upperBound + 1] { probes.insert(c) } }
        for c in probes.sorted() where c <= 0x10FFFF && !(0xD800...0xDFFF).contains(c) {
            let text = Array("a".utf8) + Array(String(Character(Unicode.Scalar(c)!)).utf8) + Array("b".utf8)
            let d = LanguageIdentifier.detect(text)
            let refused = Self.refused.contains { $0.contains(c) }
            #expect(d.unreadBytes == 0, "U+\(String(c, radix: 16)): CLD2 stopped reading")
            #expect(d.blankedSequences == (refused ? 1 : 0), "U+\(String(c, radix: 16)): \(d.blankedSequences) blanked")
        }
    }

    /// Hostile text: 300 noncharacters (U+1FFFE, which the old sanitizer let through, and
    /// U+FDD0), C1 controls and stray bytes before a German page. CLD2 stops at the first
    /// sequence it refuses; the old `detect` blanked one per rerun, gave up after 64 reruns and
    /// judged the language on the prefix before the 65th ("un"). Now every sequence is blanked
    /// in one pass, counted, and the page is German.
    @Test func hostileSequencesAreBlankedInOnePassAndCounted() throws {
        let german = Reference.text(Self.directory + "/de-fortunes.excerpt.txt")
        var hostile: [UInt8] = []
        for i in 0..<300 {
            switch i % 4 {
            case 0: hostile += [0xF0, 0x9F, 0xBF, 0xBE]   // U+1FFFE
            case 1: hostile += [0xEF, 0xB7, 0x90]         // U+FDD0
            case 2: hostile += [0xC2, 0x85]               // U+0085 (C1)
            default: hostile += [0xFF]                     // not UTF-8
            }
            hostile += Array(" x ".utf8)
        }
        let d = LanguageIdentifier.detect(hostile + german)
        #expect(d.language == "de" && d.score > 0.65, "\(d)")
        #expect(d.blankedSequences == 300 && d.blankedBytes == 75 * (4 + 3 + 2 + 1) && d.unreadBytes == 0, "\(d)")
        // The pipeline counts them (language.blanked_*), once per document.
        var options = CleaningOptions()
        options.language = LanguageFilter(languages: ["de"])
        let outcome = CleaningPipeline(options).apply(hostile + german)
        #expect(outcome.dropped == nil)
        #expect(outcome.counters["language.blanked_sequences"] == 300 && outcome.counters["language.blanked_bytes"] == 750
                && outcome.counters["language.documents_blanked"] == 1, "\(outcome.counters)")
        // Clean text: nothing blanked, nothing counted.
        let clean = CleaningPipeline(options).apply(german)
        #expect(clean.counters["language.blanked_sequences"] == nil && LanguageIdentifier.detect(german).blankedSequences == 0)
    }

    @Test func codesAreDatatrovesAndUnknownOnesAreRefused() throws {
        #expect(try LanguageFilter.languages("en, DE,iw,zh-Hant,en") == ["en", "de", "he", "zh"])
        #expect(throws: CleaningError.self) { try LanguageFilter.languages("en,klingonish") }
        let r = try CLI.run(["clean", Repository.path(Self.directory), "-o", "-", "--languages", "en,xq"])
        #expect(r.status != 0 && r.stderr.contains("unknown language \"xq\"") && r.stderr.contains("en, de"), "\(r.stderr)")
        let s = try CLI.run(["clean", Repository.path(Self.directory), "-o", "-", "--min-language-score", "65"])
        #expect(s.status != 0 && s.stderr.contains("0…1"), "\(s.stderr)")
    }

    /// `clean --languages de,ru` keeps the German and Russian fortunes and nothing else; every
    /// other file is dropped as `language.other_language`, each kept record carries its language
    /// and score, and the summary counts documents per language.
    @Test func cleanKeepsTheListedLanguagesOnly() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tm-language-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run(["clean", Repository.path(Self.directory), "-o", out, "--languages", "de,ru", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
        #expect(summary["documents_kept"] as? Int == 2)
        #expect((summary["dropped"] as! [String: Any]).keys.sorted() == ["language.other_language"], "\(summary["dropped"]!)")
        let languages = summary["languages"] as! [String: [String: Int]]
        #expect(languages["de"] == ["documents": 1, "kept": 1] && languages["ru"] == ["documents": 1, "kept": 1])
        #expect(languages["zh"] == ["documents": 3, "kept": 0], "\(languages)")
        #expect((summary["cleaning"] as! [String: Int])["language.dropped"] == 10)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(records.map { ($0["source"] as! String).split(separator: "/").last! } == ["de-fortunes.excerpt.txt", "ru-fortunes.excerpt.txt"])
        #expect(records.map { $0["language"] as! String } == ["de", "ru"])
        #expect(records.allSatisfy { ($0["language_score"] as! Double) > 0.9 })
    }

    /// The score is CLD2's share of the text: the Arabic Debian handbook is 58% Arabic letters
    /// (the rest English commands and names), so at datatrove's 0.65 it is dropped as
    /// `language.low_score`, and kept at 0.5. Shards record the per-language counts in the manifest.
    @Test func shardDropsAtTheThresholdAndCountsLanguagesInTheManifest() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tm-language-shard-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let input = Repository.path(Self.directory + "/ar-debian-handbook.excerpt.txt")
        let strict = try CLI.run(["shard", input, "-o", base + "/a", "--languages", "ar", "--quiet", "--json"])
        #expect(strict.status == 0, "\(strict.stderr)")
        let a = try Manifest.load(directory: base + "/a")
        #expect(a.documentsKept == 0 && a.dropped["language.low_score"]?.count == 1, "\(a.dropped)")
        #expect(a.languages == ["ar": LanguageCount(documents: 1, kept: 0)])
        #expect(a.options.cleaning?.language == LanguageFilter(languages: ["ar"], threshold: 0.65))
        let loose = try CLI.run(["shard", input, "-o", base + "/b", "--languages", "ar", "--min-language-score", "0.5", "--quiet"])
        #expect(loose.status == 0, "\(loose.stderr)")
        let b = try Manifest.load(directory: base + "/b")
        #expect(b.documentsKept == 1 && b.languages == ["ar": LanguageCount(documents: 1, kept: 1)])
        #expect(loose.text.contains("languages (kept of detected): ar 1 of 1"), "\(loose.text)")
    }
}
