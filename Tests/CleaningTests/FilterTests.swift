import Cleaning
import Foundation
import TestSupport
import Testing

/// Each filter on real documents it must keep and must drop (with datatrove's rule name, as
/// datatrove decides on the same text: Fixtures/cleaning/datatrove-reference.jsonl).
@Suite struct Filters {
    static let kjv = "Fixtures/corpus/books/kjv-bible.excerpt.txt"
    static let apt = "Fixtures/corpus/web/debian-handbook/apt.html"
    static let appetite = "Fixtures/corpus/articles/python-tutorial/appetite.rst.txt"

    func expect(_ filter: String, _ source: String, _ rule: String?, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Reference.entries[source]?.filters[filter] ?? nil == rule, "the reference says otherwise for \(source)", sourceLocation: sourceLocation)
        #expect(Reference.decision(filter, Reference.text(source)) == rule, "\(filter) on \(source)", sourceLocation: sourceLocation)
    }

    @Test func everyFilterKeepsTheBibleThePythonTutorialIntroAndTheDebianHandbookAptChapter() {
        for filter in ["gopher-rep", "gopher-quality", "c4", "fineweb-quality"] {
            for source in [Self.kjv, Self.apt, Self.appetite] { expect(filter, source, nil) }
        }
    }

    @Test func gopherRepetitionDropsRepeatedLinesParagraphsAndNGrams() {
        expect("gopher-rep", "Fixtures/corpus/messy/fortunes-ru-b0.crlf.txt", "dup_line_frac")   // "%" separator lines
        expect("gopher-rep", "Fixtures/corpus/multilingual/fortunes-zh-song100.txt", "dup_para_frac")
        expect("gopher-rep", "Fixtures/corpus/books/jargon-file.excerpt.txt", "top_3_gram")
        expect("gopher-rep", "Fixtures/formats/warc/example-wget-1-14.warc.gz#4 <metadata://gnu.org/software/wget/warc/MANIFEST.txt>", "top_4_gram")
        expect("gopher-rep", "Fixtures/corpus/multilingual/emoji-test.excerpt.txt", "duplicated_5_n_grams")
    }

    @Test func gopherQualityDropsShortSymbolHeavyLongWordedAndStopWordlessText() {
        expect("gopher-quality", "Fixtures/formats/warc/example.warc.gz#2 <http://example.com?example=1>", "gopher_short_doc")
        expect("gopher-quality", "Fixtures/corpus/multilingual/fortunes-zh-tang300.txt", "gopher_above_avg_threshold")   // unsegmented Chinese
        expect("gopher-quality", "Fixtures/corpus/articles/linux-man-pages.excerpt.txt", "gopher_below_alpha_threshold")
        expect("gopher-quality", "Fixtures/formats/wet/whirlwind.warc.wet.gz#2 <https://an.wikipedia.org/wiki/Escopete>", "gopher_enough_stop_words")   // Aragonese
        expect("gopher-quality", "Fixtures/corpus/multilingual/el-libreoffice-help.excerpt.txt", "gopher_enough_stop_words")
    }

    @Test func c4DropsCodeAndPagesWithFewSentencesAndRewritesTheKeptText() {
        expect("c4", "Fixtures/corpus/books/devils-dictionary.dict.txt", "curly_bracket")
        expect("c4", "Fixtures/corpus/articles/python-tutorial/inputoutput.rst.txt", "curly_bracket")
        expect("c4", "Fixtures/formats/wet/jeffharwell-fragment3.wet.gz#4 <http://01007.nz86.com/>", "too_few_sentences")
        expect("c4", "Fixtures/corpus/multilingual/fortunes-zh-song100.txt", "too_few_sentences")
        // A kept document loses the lines without terminal punctuation (headings, menus).
        var document = CleaningDocument(utf8: Reference.text(Self.apt))
        let before = document.text.count
        #expect(C4QualityFilter().apply(&document) == nil)
        #expect(document.text.count < before && document.counters["line_kept"]! < document.counters["line_total"]!)
        #expect(document.counters["line_filter_no_terminal_punc"]! > 0)
        // FineWeb's settings keep those lines.
        var fineweb = CleaningDocument(utf8: Reference.text(Self.apt))
        #expect(C4QualityFilter.fineweb.apply(&fineweb) == nil)
        #expect(fineweb.counters["line_filter_no_terminal_punc"] == nil && fineweb.text.count > document.text.count)
    }

    @Test func finewebQualityDropsListsShortLinesAndRepeatedLines() {
        expect("fineweb-quality", "Fixtures/corpus/multilingual/fortunes-zh-tang300.txt", "short_line_ratio")
        expect("fineweb-quality", "Fixtures/corpus/articles/python-tutorial/classes.rst.txt", "line_punct_ratio")
        expect("fineweb-quality", "Fixtures/corpus/web/debian-handbook/packaging-system.html", "char_dup_ratio")
        expect("fineweb-quality", "Fixtures/formats/wet/whirlwind.warc.wet.gz#2 <https://an.wikipedia.org/wiki/Escopete>", "line_punct_ratio")
    }

    @Test func piiRedactsTheMaintainersAddressesAndVersionNumbersThatParseAsPublicIPs() {
        var document = CleaningDocument(utf8: Reference.text(Self.apt))
        PIIRedactor().apply(&document)
        let text = String(decoding: document.utf8, as: UTF8.self)
        let original = String(decoding: Reference.text(Self.apt), as: UTF8.self)
        // The handbook's list addresses, and section numbers such as 6.1.2.1 (a public IPv4
        // address to datatrove's pattern and Python's ipaddress: datatrove rewrites them too).
        #expect(original.contains("debian-security-announce@lists.debian.org") && original.contains("6.1.2.1"))
        #expect(!text.contains("debian-security-announce@lists.debian.org") && !text.contains("6.1.2.1"))
        #expect(text.contains("email@example.com") && text.contains("22.214.171.124"))
        #expect(document.counters["emails"] == 2 && document.counters["ips"]! >= 6)
        // Private addresses stay; a dotted quad with a leading zero is not an address.
        var local = CleaningDocument(utf8: Array("Ping 192.168.1.1 or 10.0.0.2 or 01.2.3.4, not 8.8.8.8; mail rhertzog@debian.org.".utf8))
        PIIRedactor().apply(&local)
        #expect(String(decoding: local.utf8, as: UTF8.self) == "Ping 192.168.1.1 or 10.0.0.2 or 01.2.3.4, not 22.214.171.124; mail email@example.com.")
        #expect(local.counters == ["emails": 1, "ips": 1])
    }

    @Test func theFinewebPresetChainsTheFourFiltersMinHashAndPII() throws {
        let options = try CleaningOptions(filters: "fineweb")
        #expect(options.gopherRepetition != nil && options.gopherQuality != nil && options.finewebQuality != nil)
        #expect(options.c4?.filterNoTerminalPunctuation == false && options.minhash == MinHashConfig() && options.pii != nil)
        #expect(try CleaningOptions(filters: "c4").c4?.filterNoTerminalPunctuation == true)
        #expect(throws: CleaningError.self) { try CleaningOptions(filters: "gopher") }
        // The whole chain on the Bible: kept, every step counted once.
        let outcome = CleaningPipeline(options).apply(Reference.text(Self.kjv), signature: true)
        #expect(outcome.dropped == nil && outcome.digests?.count == 14)
        for step in ["gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality"] { #expect(outcome.counters[step + ".documents"] == 1) }
    }
}
