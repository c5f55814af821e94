import BPE
import Corpus
import Foundation
import TestSupport
import Testing

/// The cuts `encodeBatch` makes inside long documents give exactly the whole document's ids
/// (issue 17): on every fixture document and, with ../shared, every shared-corpus document, as
/// they are and made CRLF, for each named pattern, with small parts so that nearly every
/// allowed cut is used. And the rule finds cuts where the old one found none: CRLF text and
/// lines that begin with non-ASCII letters.
@Suite struct SafeCutTests {
    static func crlf(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count + text.count / 20)
        for (i, b) in text.enumerated() {
            if b == 0x0A && (i == 0 || text[i - 1] != 0x0D) { out.append(0x0D) }
            out.append(b)
        }
        return out
    }

    static func cuts(_ text: [UInt8], _ pattern: SplitPattern) -> Int {
        text.withUnsafeBufferPointer { b in
            var n = 0, from = 1
            while let c = Tokenizer.nextSafeCut(b, from: from, pattern: pattern) { n += 1; from = c + 1 }
            return n
        }
    }

    static func check(_ tokenizer: Tokenizer, _ texts: [[UInt8]], _ label: String) throws {
        let whole = try tokenizer.encodeBatch(texts, threads: 1, chunkBytes: 1 << 40)
        let cut = try tokenizer.encodeBatch(texts, threads: 2, chunkBytes: 512)
        for i in texts.indices where whole[i] != cut[i] {
            let k = (0..<min(whole[i].count, cut[i].count)).first { whole[i][$0] != cut[i][$0] } ?? min(whole[i].count, cut[i].count)
            Issue.record("\(label) document \(i): cut ids differ from the whole's at id \(k) of \(whole[i].count)")
        }
    }

    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func cutPartsGiveTheWholeDocumentsIdsOnTheFixtures(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        let texts = try References.load("tiktoken-\(name)").map(\.text)
        try Self.check(tokenizer, texts, name)
        try Self.check(tokenizer, texts.map(Self.crlf), name + " CRLF")
    }

    @Test(.enabled(if: Repository.hasShared, Repository.sharedMissing), arguments: ["gpt2", "cl100k", "o200k"])
    func cutPartsGiveTheWholeDocumentsIdsOnTheSharedCorpora(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        let documents = References.corpusDigests.map(\.path)
        var start = 0
        while start < documents.count {
            let slice = documents[start..<min(start + 24, documents.count)]
            let texts = try slice.map { try sharedDocument($0) }
            try Self.check(tokenizer, texts, name)
            try Self.check(tokenizer, texts.map(Self.crlf), name + " CRLF")
            start += slice.count
        }
    }

    /// CRLF books, Russian and Chinese lines: the old rule ("visible ASCII, LF, ASCII letter")
    /// found no cut in the first and few in the others; the new one finds one at most lines.
    @Test func cutsAreFoundInCRLFTextAndInAnyScript() throws {
        func text(_ path: String) throws -> [UInt8] { try Array(Data(contentsOf: URL(fileURLWithPath: CLI.fixtures + "/corpus/" + path))) }
        let crlfBook = Self.crlf(try text("books/kjv-bible.excerpt.txt"))
        let russian = try text("multilingual/ru-fortunes.excerpt.txt")
        let chinese = try text("multilingual/fortunes-zh-tang300.txt")
        for (label, t) in [("CRLF book", crlfBook), ("Russian", russian), ("Chinese", chinese)] {
            let lines = t.filter { $0 == 0x0A }.count
            for pattern in [SplitPattern.gpt2, .cl100k, .o200k] {
                let n = Self.cuts(t, pattern)
                #expect(n * 4 >= lines, "\(label), \(pattern.name): \(n) cuts in \(lines) lines")
            }
        }
    }

    /// The longest stretch of `text` without a cut (from the start to the first cut, between
    /// cuts, from the last cut to the end).
    static func longestUncut(_ text: [UInt8], _ pattern: SplitPattern) -> Int {
        text.withUnsafeBufferPointer { b in
            var longest = 0, previous = 0, from = 1
            while let c = Tokenizer.nextSafeCut(b, from: from, pattern: pattern) {
                longest = max(longest, c - previous)
                previous = c
                from = c + 1
            }
            return max(longest, b.count - previous)
        }
    }

    static let multilingual: [String] = try! FileManager.default.contentsOfDirectory(atPath: CLI.fixtures + "/corpus/multilingual").sorted()

    /// Each script of the multilingual fixtures (Arabic, German, Greek, emoji, Persian, Chinese
    /// poems, Hindi, Japanese, Russian, Vietnamese, Chinese prose), as it is and made CRLF, for
    /// each named pattern: a cut within every 4 KiB, so a document of any of them keeps both
    /// cores busy, and the cut parts (of 512 bytes, nearly every cut used) give the whole's ids.
    @Test(arguments: multilingual)
    func everyScriptIsCutAndTheCutPartsGiveTheWholesIds(file: String) throws {
        let text = UTF8Validation.repair(try InputFile.read(CLI.fixtures + "/corpus/multilingual/" + file)).bytes
        for name in ["gpt2", "cl100k", "o200k"] {
            let tokenizer = Tokenizers.named(name)
            for (label, t) in [("", text), (" CRLF", Self.crlf(text))] {
                let longest = Self.longestUncut(t, tokenizer.pattern)
                #expect(longest <= 4096, "\(file)\(label), \(name): \(longest) bytes without a cut")
                try Self.check(tokenizer, [t], "\(file)\(label)")
            }
        }
    }

    /// Text that the line-feed rules alone leave uncut: one long line of words (no line feed at
    /// all), and lines that all begin with spaces (poetry, code) — under cl100k and o200k a line
    /// feed followed by a space was never a cut. Cut ids equal the whole's.
    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func longLinesAndIndentedLinesAreCut(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        let book = try InputFile.read(CLI.fixtures + "/corpus/books/kjv-bible.excerpt.txt")
        let oneLine = book.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }
        var indented: [UInt8] = []
        for line in book.split(separator: 0x0A, omittingEmptySubsequences: false) { indented += [0x20, 0x20, 0x20, 0x20] + line + [0x0A] }
        let code = try InputFile.read(CLI.fixtures + "/corpus/articles/python-tutorial/classes.rst.txt")
        for (label, t) in [("one line", oneLine), ("indented", indented), ("indented CRLF", Self.crlf(indented)), ("rst with code", code)] {
            let longest = Self.longestUncut(t, tokenizer.pattern)
            #expect(longest <= 4096, "\(label), \(name): \(longest) bytes without a cut")
            try Self.check(tokenizer, [t], "\(label)")
        }
    }
}
