import Dispatch
import Normalizer
import Testing

/// The individual steps, on the kinds of text the issue names. Every case is also run through
/// the stream in 1-, 2- and 3-byte chunks and must give the same bytes.
@Suite("Pipeline steps")
struct CleanupTests {
    /// One-shot result, after checking that streaming agrees at tiny chunk sizes.
    func run(_ pipeline: NormalizerPipeline, _ input: [UInt8]) throws -> NormalizationResult {
        let whole = try pipeline.normalize(input)
        for chunk in 1...3 {
            let parts = try streamed(pipeline, input, chunk: chunk)
            #expect(parts.output == whole.output, "chunk \(chunk): \(parts.output.text.debugDescription) vs \(whole.output.text.debugDescription)")
            #expect(parts.report == whole.report)
        }
        return whole
    }

    func run(_ pipeline: NormalizerPipeline, _ input: String) throws -> NormalizationResult {
        try run(pipeline, [UInt8](input))
    }

    @Test func fullWidthForms() throws {
        let text = "Ｈｅｌｌｏ，　Ｗｏｒｌｄ！ １２３ ｶﾀｶﾅ"
        #expect(try run(.formOnly(.nfkc), text).text == "Hello, World! 123 カタカナ")
        #expect(try run(.formOnly(.nfc), text).text == text)
        #expect(try run(.formOnly(.nfkcCasefold), text).text == "hello, world! 123 カタカナ")
    }

    @Test func ligaturesAndCompatibilityCharacters() throws {
        let result = try run(.formOnly(.nfkc), "ﬁnd the ﬂow, ﬀ; x² ① Ⅻ ½ ㎏ ﬃ")
        #expect(result.text == "find the flow, ff; x2 1 XII 1⁄2 kg ffi")
        #expect(result.report.charactersChanged >= 9)
    }

    @Test func hangulComposition() throws {
        // Conjoining jamo compose to syllables; an LV syllable takes a trailing T jamo.
        #expect(try run(.formOnly(.nfc), "\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF}").text == "한글")
        #expect(try run(.formOnly(.nfc), "\u{D558}\u{11AB}").text == "한")
        #expect(try run(.formOnly(.nfkc), "ㄱ ㈜").text == "ᄀ (주)")
        #expect(try run(.formOnly(.nfc), "한국어 텍스트").text == "한국어 텍스트")
    }

    @Test func combiningMarks() throws {
        #expect(try run(.formOnly(.nfc), "cafe\u{301} Zu\u{308}rich").text == "café Zürich")
        // Canonical reordering: ccc 220 (U+0323) goes before ccc 230 (U+0307), then composes.
        #expect(try run(.formOnly(.nfc), "s\u{307}\u{323}").text == "\u{1E69}")
        // A combining mark right after an uppercase ASCII letter under NFKC_Casefold.
        #expect(try run(.formOnly(.nfkcCasefold), "CAFE\u{301} Straße ǅ").text == "café strasse dž")
        // The letter before the mark ends an eight-byte ASCII word lowercased in one go.
        #expect(try run(.formOnly(.nfkcCasefold), "ABCDEFGE\u{301}XYZ").text == "abcdefgéxyz")
        #expect(try run(.formOnly(.nfkcCasefold), "ABCDEFG.\u{301}").text == "abcdefg.\u{301}")
        #expect(try run(.formOnly(.nfkcCasefold), "ABCDEFGH\u{323}\u{307}").text == "abcdefg\u{1E25}\u{307}")
        // A mark at the very start has nothing to combine with.
        #expect(try run(.formOnly(.nfc), "\u{301}a").text == "\u{301}a")
    }

    @Test func crlfAndLoneCR() throws {
        let result = try run(NormalizerPipeline(form: .nfc), "a\r\nb\rc\n\r\r\nd\r")
        #expect(result.text == "a\nb\nc\n\n\nd\n")
        #expect(result.report.newlinesNormalized == 5)
        #expect(try run(NormalizerPipeline(form: .nfc, normalizeNewlines: false), "a\r\nb").text == "a\r\nb")
    }

    @Test func byteOrderMark() throws {
        let result = try run(NormalizerPipeline(form: .nfkc), "\u{FEFF}text\u{FEFF}")
        #expect(result.text == "text\u{FEFF}")  // only the leading one is a BOM
        #expect(result.report.bomRemoved)
        #expect(try run(NormalizerPipeline(form: .nfkc, stripIgnorables: true), "\u{FEFF}te\u{FEFF}xt").text == "text")
        #expect(try run(NormalizerPipeline(form: .nfkc, removeBOM: false), "\u{FEFF}x").text == "\u{FEFF}x")
        // A truncated BOM is just a truncated sequence.
        #expect(try run(NormalizerPipeline(form: .nfkc, utf8Policy: .repair), [0xEF, 0xBB]).text == "\u{FFFD}")
    }

    @Test func nulAndControls() throws {
        let input = "a\u{0}b\u{7}c\u{1B}[0m\u{7F}d\u{85}e\u{9F}f\tg\nh"
        let kept = try run(NormalizerPipeline(form: .nfkc), input)
        #expect(kept.output == [UInt8](input))
        let stripped = try run(NormalizerPipeline(form: .nfkc, stripControls: true), input)
        #expect(stripped.text == "abc[0mdef\tg\nh")
        #expect(stripped.report.controlsRemoved == 6)
    }

    @Test func defaultIgnorables() throws {
        let result = try run(NormalizerPipeline(form: .nfc, stripIgnorables: true), "zero\u{200B}width soft\u{AD}hyphen jo\u{2060}iner \u{E0041}tag")
        #expect(result.text == "zerowidth softhyphen joiner tag")
        #expect(result.report.ignorablesRemoved == 4)
    }

    @Test func invalidUTF8SplitAcrossChunks() throws {
        let repair = NormalizerPipeline(form: .nfc, utf8Policy: .repair)
        // "ab€" with the euro sign's three bytes split by every chunking: valid.
        #expect(try run(repair, [0x61, 0x62, 0xE2, 0x82, 0xAC]).text == "ab€")
        // A sequence broken by an ASCII byte: one U+FFFD for the maximal subpart, the byte kept.
        let broken = try run(repair, [0x61, 0xE2, 0x82, 0x41, 0xFF, 0xC3, 0xA9])
        #expect(broken.text == "a\u{FFFD}A\u{FFFD}é")
        #expect(broken.report.replacements == 2)
        // Truncated at the very end.
        #expect(try run(repair, [0x61, 0xF0, 0x9F, 0x98]).text == "a\u{FFFD}")
        // Surrogates and overlongs are ill-formed too (maximal subparts: E0 80 → 2 replacements).
        #expect(try run(repair, [0xED, 0xA0, 0x80, 0xE0, 0x80]).report.replacements == 5)
    }

    @Test func strictModeErrorsNameTheOffset() throws {
        let strict = NormalizerPipeline(form: .nfc)
        for chunk in [1, 2, 3, 100] {
            do {
                _ = try streamed(strict, [0x61, 0x62, 0x63, 0xC3, 0x28, 0x64], chunk: chunk)
                Issue.record("strict mode accepted invalid UTF-8")
            } catch let error as NormalizerError {
                #expect(error.kind == .invalidUTF8)
                #expect(error.byteOffset == 3)
                #expect(error.description.contains("byte offset 3"))
                #expect(error.description.contains("found 0xC3 0x28"))
                #expect(error.description.contains("expected a continuation byte"))
                #expect(error.description.contains("--lossy"))
            }
        }
        #expect(throws: NormalizerError.self) { try strict.normalize([0x61, 0xE2, 0x82]) }
        do { _ = try strict.normalize([0x61, 0xE2, 0x82]) } catch let error as NormalizerError {
            #expect(error.kind == .truncatedUTF8 && error.byteOffset == 1)
        }
    }

    @Test func lowercaseWithFinalSigma() throws {
        let pipeline = NormalizerPipeline(form: .nfkc, lowercase: true)
        #expect(try run(pipeline, "ΟΔΟΣ ΟΔΟΣ. ΣΑΣ İstanbul ＡＢＣ Straße").text == "οδος οδος. σας i̇stanbul abc straße")
    }

    @Test func whitespaceCleanup() throws {
        let pipeline = NormalizerPipeline(form: .nfkc, trimWhitespace: true)
        let result = try run(pipeline, "a  \t\n\n\n\n b\u{3000}\r\n  \n\nc  ")
        #expect(result.text == "a\n\n b\n\nc")
        #expect(result.report.blankLinesRemoved == 3)
    }

    @Test func legacyFallbackIsChosenOnlyForNonUTF8() throws {
        let cp1252 = NormalizerPipeline(form: .nfc, fallbackEncoding: .windows1252)
        // "“Café” – 5€" in Windows-1252.
        let legacy: [UInt8] = [0x93, 0x43, 0x61, 0x66, 0xE9, 0x94, 0x20, 0x96, 0x20, 0x35, 0x80]
        let decoded = try run(cp1252, legacy)
        #expect(decoded.text == "“Café” – 5€")
        #expect(decoded.report.fallbackEncoding == .windows1252)
        #expect(try run(NormalizerPipeline(form: .nfc, fallbackEncoding: .latin1), legacy).text == "\u{93}Café\u{94} \u{96} 5\u{80}")
        // Real UTF-8 is left alone even with a fallback configured.
        let utf8 = try run(cp1252, "“Café” – 5€")
        #expect(utf8.text == "“Café” – 5€" && utf8.report.fallbackEncoding == nil)
    }

    @Test func normalizerIsThreadSafe() {
        let text = [UInt8]("Ｆｕｌｌ ﬁ café e\u{301} 한글 \u{1112}\u{1161}\u{11AB} Ω".utf8)
        let normalizer = UnicodeNormalizer(form: .nfkc)
        let expected = normalizer.normalize(text)
        let results = Results(count: 64)
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            var ok = true
            for _ in 0..<200 where normalizer.normalize(text) != expected { ok = false }
            results.set(index, ok)
        }
        #expect(results.all)
    }

    @Test func apiForTheTokenizer() {
        #expect(UnicodeNormalizer(form: .none).normalize([0x41, 0xEF, 0xBC, 0xA1]) == [0x41, 0xEF, 0xBC, 0xA1])
        #expect(UnicodeNormalizer(form: .nfkc).normalize("Ａ") == "A")
        #expect(NormalizationForm(rawValue: "nfkc-cf") == .nfkcCasefold)
        let nfc = UnicodeNormalizer(form: .nfc)
        #expect(nfc.hasBoundaryBefore("a") && !nfc.hasBoundaryBefore("\u{301}"))
    }
}
